import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { JSONL_FIELDS, parseHistory } from '../src/check/history-formats.ts';
import { checkHistoryCommand } from '../src/cli/check-history.ts';
import type { CliIo } from '../src/cli/io.ts';
import type { HistoryEvent } from '../src/workload/history.ts';

/**
 * The bad-input rule for `raftsim check-history`: every problem with a file
 * is `FILE:LINE:COL: what is wrong; expected …`, exit 2, no stack trace.
 */

function located(text: string): string {
  try {
    parseHistory(text, 'h');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

async function checkFile(name: string, text: string): Promise<{ code: number; err: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'raftsim-check-history-errors-')), name);
  writeFileSync(file, text);
  let err = '';
  const io: CliIo = { out: () => {}, err: (t) => void (err += t), isTty: false };
  const code = await checkHistoryCommand([file], io);
  return { code, err: err.replaceAll(file, 'FILE') };
}

const jl = (o: Record<string, unknown>) => JSON.stringify(o);
const read = (t: number, type: string, extra: Record<string, unknown> = {}) => jl({ t, process: 1, type, f: 'read', key: 'k1', value: null, ...extra });

describe('check-history: a JSON-lines line that is not JSON is located where the JSON breaks, with what was expected', () => {
  // Each line is good text, then the first character that is not JSON there: the column is that character's, whatever node's parser says.
  test.each([
    ['a doubled comma', '{"t": 1, "process": 0,', ', "type": "invoke"}'],
    ['a missing quote', '{"t": 1, ', 'process": 0}'],
    ['a trailing word', '{"t": 1} ', 'x'],
    ['a single quote', '{"t": 1, "key": ', "'k1'}"],
  ])('%s', (_, good, bad) => {
    const message = located(good + bad);
    expect(message).toMatch(/^h:1:\d+: invalid JSON: unexpected .*; expected one JSON object per line with the fields model, t, process, type, f, key, value, error, like \{/);
    expect(message.startsWith(`h:1:${good.length + 1}: invalid JSON: unexpected ${JSON.stringify(bad[0])}; `)).toBe(true);
    expect(message).not.toMatch(/Unexpected token|in JSON at position|JSON input/);
  });

  test('a line cut short is located just after its end', () => {
    const line = '{"t": 1, "process": 0';
    expect(located(`\n${line}`)).toMatch(new RegExp(`^h:2:${line.length + 1}: invalid JSON: the line ends before the JSON value does; expected one JSON object per line`));
  });
});

describe('check-history: an event that does not pair up is located at the field at fault, with what was expected', () => {
  test('a completion with no open invoke points at its "type"', () => {
    const line = read(5, 'ok');
    const col = line.indexOf('"ok"') + 1;
    expect(located(line)).toBe(`h:1:${col}: process 1 completes read (ok) with no open invoke; expected an invoke of read by process 1 on an earlier line, before its completion`);
  });

  test('in a Jepsen log, at the op type; in EDN, at :type', () => {
    const log = 'INFO  jepsen.util - 3\t:ok\t:read\tnil';
    expect(located(log)).toMatch(new RegExp(`^h:1:${log.indexOf(':ok') + 1}: process 3 completes read \\(ok\\) with no open invoke; expected an invoke`));
    const edn = '{:process 3, :type :ok, :f :read, :value nil}';
    expect(located(edn)).toMatch(new RegExp(`^h:1:${edn.indexOf(':ok') + 1}: process 3 completes read \\(ok\\) with no open invoke; expected an invoke`));
  });

  test('through the command: exit 2, the located message, no stack trace', async () => {
    const { code, err } = await checkFile('h.jsonl', read(5, 'ok') + '\n');
    expect(code).toBe(2);
    expect(err).toMatch(/^FILE:1:\d+: process 1 completes read \(ok\) with no open invoke; expected /m);
    expect(err).not.toMatch(/\n\s+at /);
  });
});

describe('check-history: a JSON-lines event with a field the format does not have is refused, naming the field and the fields expected', () => {
  test.each([
    ['proces', 'process'],
    ['vaule', 'value'],
    ['modle', 'model'],
    ['Type', 'type'],
    ['eror', 'error'],
  ])('"%s" (meant "%s")', (typo, meant) => {
    const event: Record<string, unknown> = { t: 1, process: 1, type: 'invoke', f: 'write', key: 'k1', value: 1 };
    const { [meant]: value, ...rest } = event;
    const line = jl({ ...rest, [typo]: value ?? 'no leader' });
    expect(located(line)).toBe(
      `h:1:${line.indexOf(`"${typo}"`) + 1}: unknown field "${typo}" (did you mean "${meant}"?); expected only the fields ${JSONL_FIELDS.join(', ')}`,
    );
  });

  test('a field far from any known one is refused too, without a guess', () => {
    const line = jl({ t: 1, process: 1, type: 'invoke', f: 'read', key: 'k1', value: null, node: 'n1' });
    expect(located(line)).toBe(`h:1:${line.indexOf('"node"') + 1}: unknown field "node"; expected only the fields ${JSONL_FIELDS.join(', ')}`);
  });

  test('every field of a HistoryEvent, and "model", is accepted: what raftsim run --history writes', () => {
    // The keys of the event type raftsim writes, one event having all of them.
    const written: Required<HistoryEvent> = { t: 1, process: 1, type: 'fail', f: 'write', key: 'k1', value: 1, error: 'no leader' };
    const lines = [jl({ model: 'raft', ...written, type: 'invoke', error: undefined }), jl({ model: 'raft', ...written })];
    expect([...Object.keys(written), 'model'].sort()).toEqual([...JSONL_FIELDS].sort());
    expect(parseHistory(lines.join('\n'), 'h').events).toHaveLength(2);
  });
});

describe('check-history: in a Jepsen log, a jepsen.util op line with a malformed process is an error; lines that are not client ops are skipped', () => {
  const ok = ['INFO  jepsen.util - 1\t:invoke\t:read\tnil', 'INFO  jepsen.util - 1\t:ok\t:read\tnil'];

  test.each([
    ['a word', 'INFO  jepsen.util - x\t:invoke\t:read\tnil', 'process "x"'],
    ['a fraction', 'INFO  jepsen.util - 1.5\t:ok\t:write\t3', 'process "1.5"'],
    ['a negative number', 'INFO  jepsen.util - -1 :fail :read :timed-out', 'process "-1"'],
  ])('%s as the process', (_, line, what) => {
    const message = located([ok[0], line, ok[1]].join('\n'));
    expect(message).toBe(
      `h:2:${line.indexOf('- ') + 3}: ${what} in an op line; expected a process number (a whole number, or a keyword such as :nemesis for a process that is not a client)`,
    );
  });

  test('a process number with nothing after it is an error after the number', () => {
    const line = 'INFO  jepsen.util - 7';
    expect(located([ok[0], line].join('\n'))).toBe(`h:2:${line.length + 1}: the line ends after the process number; expected ":<type> :<f> <value>" after it`);
  });

  test('the nemesis, other loggers and other jepsen.util text are skipped', () => {
    const text = [
      'INFO  jepsen.core - Running test',
      ok[0],
      'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
      'INFO  jepsen.util - Timing out slow operations',
      '  at clojure.lang.AFn.run(AFn.java:22)',
      ok[1],
    ].join('\n');
    expect(parseHistory(text, 'h').lines).toEqual([2, 6]);
  });

  test('through the command: exit 2, no stack trace', async () => {
    const { code, err } = await checkFile('h.log', [ok[0], 'INFO  jepsen.util - x\t:ok\t:read\tnil'].join('\n'));
    expect(code).toBe(2);
    expect(err).toMatch(/^FILE:2:21: process "x" in an op line; expected a process number/m);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
