import { describe, expect, test } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { guessFormat, jsonErrorOffset, parseHistory, type HistoryFormat } from '../src/check/history-formats.ts';

/** The three history readers: what they accept, what it means, and where they say a bad line is wrong. */

function located(text: string, format?: HistoryFormat): string {
  try {
    parseHistory(text, 'h', format);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

const jl = (o: Record<string, unknown>) => JSON.stringify(o);

describe('JSON lines (contract §6)', () => {
  test('reads the contract example: t in µs, one event per line', () => {
    const text =
      '{"t": 1520000, "process": 2, "type": "invoke", "f": "write", "key": "k1", "value": 17}\n' +
      '{"t": 1534000, "process": 2, "type": "ok", "f": "write", "key": "k1", "value": 17}\n';
    const h = parseHistory(text, 'h.jsonl');
    expect(h).toMatchObject({ format: 'jsonl', model: 'register', timeUnit: 'us', lines: [1, 2] });
    expect(h.events).toEqual([
      { t: 1520000, process: 2, type: 'invoke', f: 'write', key: 'k1', value: 17 },
      { t: 1534000, process: 2, type: 'ok', f: 'write', key: 'k1', value: 17 },
    ]);
  });

  test('a cas carries [old, new]; a fail may carry an error; blank lines are skipped', () => {
    const text = [
      jl({ t: 1, process: 0, type: 'invoke', f: 'cas', key: 'k', value: [null, 3] }),
      '',
      jl({ t: 2, process: 0, type: 'fail', f: 'cas', key: 'k', value: [null, 3], error: 'mismatch' }),
    ].join('\n');
    const h = parseHistory(text, 'h');
    expect(h.events[1]).toEqual({ t: 2, process: 0, type: 'fail', f: 'cas', key: 'k', value: [null, 3], error: 'mismatch' });
    expect(h.lines).toEqual([1, 3]);
  });

  test('a "model" field splits the file into one history per simulated model, each in its own time order', () => {
    const ev = (model: string, t: number, type: string) => jl({ model, t, process: 1, type, f: 'read', key: 'k', value: null });
    const h = parseHistory([ev('raft', 10, 'invoke'), ev('raft', 20, 'ok'), ev('async', 0, 'invoke'), ev('async', 5, 'ok')].join('\n'), 'h');
    expect(h.histories.map((g) => [g.name, g.lines])).toEqual([
      ['raft', [1, 2]],
      ['async', [3, 4]],
    ]);
    expect(h.events).toHaveLength(4);
    expect(located([ev('raft', 10, 'invoke'), ev('raft', 5, 'ok')].join('\n'))).toMatch(/^h:2:\d+: "t": 5 is before the previous event's 10/);
    // Pairing is per history too: the same process number in two models is two clients.
    expect(parseHistory([ev('raft', 0, 'invoke'), ev('async', 0, 'invoke'), ev('raft', 1, 'ok'), ev('async', 1, 'ok')].join('\n'), 'h').histories).toHaveLength(2);
  });

  test('a file without "model" fields is one history', () => {
    const h = parseHistory(jl({ t: 1, process: 0, type: 'invoke', f: 'read', key: 'k', value: null }), 'h');
    expect(h.histories).toEqual([{ name: null, events: h.events, lines: [1] }]);
  });

  test('get/put/append histories use the key-value model', () => {
    const text = [jl({ t: 1, process: 0, type: 'invoke', f: 'append', key: 'k', value: 'x' })].join('\n');
    expect(parseHistory(text, 'h').model).toBe('kv');
  });

  test('invalid JSON is located at its line and column', () => {
    expect(located('{"t": 1, "process": 0,, "type": "invoke"}')).toMatch(/^h:1:23: invalid JSON/);
    expect(located('\n\n{"t": 1')).toMatch(/^h:3:8: invalid JSON/);
  });

  test('a wrong field is located at its value, with what was expected', () => {
    const line = '{"t": 1, "process": "two", "type": "invoke", "f": "read", "key": "k", "value": null}';
    expect(located(line)).toBe('h:1:21: "process": expected an integer, got "two"');
    expect(located(line.replace('"two"', '0').replace('"read"', '"scan"'))).toMatch(/^h:1:47: "f": expected read \| write \| cas \| get \| put \| append, got "scan"$/);
  });

  test('a missing field is located at the start of its object', () => {
    expect(located('{"process": 0, "type": "invoke", "f": "read", "key": "k", "value": null}')).toBe(
      'h:1:1: "t": expected a number of microseconds, got nothing',
    );
  });

  test('a line that is not an object, a cas that is not a pair, and time going backwards are errors', () => {
    expect(located('[1, 2]', 'jsonl')).toMatch(/^h:1:1: not a JSON object; expected one JSON object per line with the fields model, t, process, type, f, key, value, error, like \{/);
    expect(located(jl({ t: 1, process: 0, type: 'invoke', f: 'cas', key: 'k', value: 3 }))).toMatch(/^h:1:\d+: "value": expected a cas pair \[old, new\], got 3$/);
    const backwards = [jl({ t: 5, process: 0, type: 'invoke', f: 'read', key: 'k', value: null }), jl({ t: 4, process: 0, type: 'ok', f: 'read', key: 'k', value: null })];
    expect(located(backwards.join('\n'))).toMatch(/^h:2:\d+: "t": 4 is before the previous event's 5 \(events must be in time order\)$/);
  });

  test('events that do not pair up are located: a completion with no invoke, two invokes at once, a mismatched completion', () => {
    const ev = (t: number, type: string, f = 'read', key = 'k') => jl({ t, process: 1, type, f, key, value: null });
    const col = (field: string) => ev(1, 'ok').indexOf(`"${field}":`) + field.length + 4;
    expect(located(ev(1, 'ok'))).toBe(`h:1:${col('type')}: process 1 completes read (ok) with no open invoke; expected an invoke of read by process 1 on an earlier line, before its completion`);
    expect(located([ev(1, 'invoke'), ev(2, 'invoke')].join('\n'))).toBe(
      `h:2:${col('type')}: process 1 invokes read while its read (line 1) has not completed; expected the completion (ok, fail or info) of process 1's read first: a process runs one operation at a time`,
    );
    expect(located([ev(1, 'invoke'), ev(2, 'ok', 'write')].join('\n'))).toBe(`h:2:${col('f')}: process 1 completes write but invoked read; expected read, the function of its invoke (line 1)`);
    expect(located([ev(1, 'invoke'), ev(2, 'ok', 'read', 'j')].join('\n'))).toBe(`h:2:${col('key')}: process 1 completes key "j" but invoked key "k"; expected key "k", the key of its invoke (line 1)`);
  });

  test('mixing register and key-value operations is an error at the odd one out', () => {
    const text = [jl({ t: 1, process: 0, type: 'invoke', f: 'get', key: 'k', value: null }), jl({ t: 2, process: 1, type: 'invoke', f: 'cas', key: 'k', value: [1, 2] })].join('\n');
    const fCol = text.split('\n')[1]!.indexOf('"f":') + 5;
    expect(located(text)).toBe(
      `h:2:${fCol}: operation cas does not belong to the kv model; expected get, put, append in every event: one history holds either register (read, write, cas) or key-value (get, put, append) operations`,
    );
  });

  test('jsonErrorOffset finds where JSON stops being JSON', () => {
    expect(jsonErrorOffset('{"a": }')).toBe(6);
    expect(jsonErrorOffset('{"a": 1} x')).toBe(9);
    expect(jsonErrorOffset('INFO')).toBe(0);
    expect(jsonErrorOffset('{"a": "\\q"}')).toBe(8);
  });
});

describe('Jepsen etcd log', () => {
  const log = [
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
    'INFO  jepsen.util - 1   :invoke :write  3',
    'INFO  jepsen.util - 0\t:ok\t:read\tnil',
    'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 4]',
    'INFO  jepsen.util - 1\t:info\t:write\t:timed-out',
    'INFO  jepsen.util - 2\t:fail\t:cas\t[3 4]',
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 0\t:fail\t:read\t:timed-out',
  ].join('\n');

  test('reads tab- and space-separated lines; the line number is the time; other lines are ignored', () => {
    const h = parseHistory(log, 'etcd.log');
    expect(h).toMatchObject({ format: 'jepsen-log', model: 'register', timeUnit: 'line' });
    expect(h.lines).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
    expect(h.events).toEqual([
      { t: 1, process: 0, type: 'invoke', f: 'read', key: '', value: null },
      { t: 3, process: 1, type: 'invoke', f: 'write', key: '', value: 3 },
      { t: 4, process: 0, type: 'ok', f: 'read', key: '', value: null },
      { t: 5, process: 2, type: 'invoke', f: 'cas', key: '', value: [3, 4] },
      // :timed-out names no value: the event carries the invoke's.
      { t: 6, process: 1, type: 'info', f: 'write', key: '', value: 3 },
      // A failed cas found another value: a mismatch.
      { t: 7, process: 2, type: 'fail', f: 'cas', key: '', value: [3, 4], error: 'mismatch' },
      { t: 8, process: 0, type: 'invoke', f: 'read', key: '', value: null },
      { t: 9, process: 0, type: 'fail', f: 'read', key: '', value: null, error: 'timed-out' },
    ]);
  });

  test('a bad type, function or value is located at its column', () => {
    expect(located('INFO  jepsen.util - 0\t:invok\t:read\tnil')).toBe('h:1:23: expected :invoke, :ok, :fail or :info, got :invok');
    expect(located('INFO  jepsen.util - 0\t:invoke\t:scan\tnil')).toBe('h:1:31: expected :read, :write or :cas, got :scan');
    expect(located('INFO  jepsen.util - 0\t:invoke\t:cas\t[3 x]')).toBe('h:1:36: expected nil, an integer, [old new] or a keyword for :invoke :cas, got [3 x]');
    expect(located('INFO  jepsen.util - 0\t:invoke\t:write\tnil')).toBe('h:1:38: expected an integer for :invoke :write, got nil');
    expect(located('INFO  jepsen.util - 0\t:invoke')).toBe('h:1:23: expected ":<type> :<f> <value>" after the process number');
  });

  test('a file with content but no Jepsen event lines is an error, with --format', () => {
    expect(located('hello\nworld\n', 'jepsen-log')).toMatch(/^h:1:1: no Jepsen history lines found; expected lines like /);
  });
});

describe('Jepsen EDN', () => {
  test('reads one map per line, in any key order, with string escapes; the nemesis is ignored', () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
      '{:type :info, :process :nemesis, :f :start, :value nil}',
      '{:value "x \\"q\\" y", :process 1, :type :invoke, :f :put, :key 7}',
      '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
      '{:process 1, :type :info, :f :put, :key 7, :value :timed-out}',
    ].join('\n');
    const h = parseHistory(text, 'kv.txt');
    expect(h).toMatchObject({ format: 'jepsen-edn', model: 'kv', timeUnit: 'line', lines: [1, 3, 4, 5] });
    expect(h.events[1]).toEqual({ t: 3, process: 1, type: 'invoke', f: 'put', key: '7', value: 'x "q" y' });
    expect(h.events[3]).toEqual({ t: 5, process: 1, type: 'info', f: 'put', key: '7', value: 'x "q" y' });
  });

  test('register histories in EDN: a :fail :cas without an :error is a mismatch, with one it is that error', () => {
    const text = [
      '{:process 0, :type :invoke, :f :cas, :value [1 2]}',
      '{:process 0, :type :fail, :f :cas, :value [1 2]}',
      '{:process 0, :type :invoke, :f :cas, :value [1 2]}',
      '{:process 0, :type :fail, :f :cas, :value [1 2], :error :not-leader}',
    ].join('\n');
    const h = parseHistory(text, 'r.edn');
    expect(h.model).toBe('register');
    expect(h.events[1]).toMatchObject({ key: '', error: 'mismatch' });
    expect(h.events[3]).toMatchObject({ error: 'not-leader' });
  });

  test('malformed maps are located', () => {
    expect(located('{:process 0, :type :invoke, :f :get, :key "k", :value nil')).toBe('h:1:58: expected "}" to close the map begun at column 1');
    expect(located('{:process 0, :type :invoke, :f :get, :key "k, :value nil}')).toBe('h:1:43: unterminated string');
    expect(located('{:process 0, :type :begin, :f :get, :key "k", :value nil}')).toBe('h:1:20: expected :type :invoke, :ok, :fail or :info');
    expect(located('{:process 0, :type :invoke, :f :get, :key "k", :value nil} {}')).toBe('h:1:60: expected one map per line, but the line goes on');
    expect(located('{:process 0, :type :invoke, :f :get, :key "k", :value #{}}')).toBe('h:1:55: expected nil, a number, a string, a keyword, a list or a map, got #');
    expect(located('{:process 0, :type :invoke, :f :get, :key "k"}')).toBe('h:1:1: the map has no :value');
  });
});

describe('the format is guessed from the content', () => {
  test.each([
    ['{"t": 0}', 'jsonl'],
    ['  { "t": 0}', 'jsonl'],
    ['{:process 0}', 'jepsen-edn'],
    ['2015-01-01 INFO  jepsen.core - starting\nINFO  jepsen.util - 0\t:invoke\t:read\tnil', 'jepsen-log'],
  ] as const)('%j is %s', (text, format) => {
    expect(guessFormat(text.split('\n'), 'h')).toBe(format);
  });

  test('an empty file is an empty history (named after its extension), not an error', () => {
    expect(parseHistory('', 'etcd_095.log')).toMatchObject({ format: 'jepsen-log', events: [] });
    expect(parseHistory('\n  \n', 'h.jsonl')).toMatchObject({ format: 'jsonl', events: [] });
  });

  test('content in no known format is an error at its first line', () => {
    expect(located('\n  hello world\n')).toMatch(/^h:2:3: cannot tell the history format: .* give --format$/);
  });
});
