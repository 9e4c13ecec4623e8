import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CHECK_HISTORY_HELP, checkHistoryCommand } from '../src/cli/check-history.ts';
import type { CliIo } from '../src/cli/io.ts';

/** `raftsim check-history`, called directly with an io that captures what it prints. */

const FIXTURES = fileURLToPath(new URL('./fixtures/porcupine/', import.meta.url));
const etcd = (n: string) => `${FIXTURES}jepsen-etcd/etcd_${n}.log`;
const kv = (name: string) => `${FIXTURES}kv/${name}.txt`;

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false };
  const code = await checkHistoryCommand(args, io);
  return { code, out, err };
}

function scratch(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-check-history-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('exit codes: 0 linearizable, 1 not, 2 bad usage or bad input', () => {
  test('a linearizable history exits 0 and says so', async () => {
    const { code, out, err } = await run(etcd('101'));
    expect(code).toBe(0);
    expect(out).toMatch(/etcd_101\.log: linearizable \(jepsen-log, register model, 77 ops, 1 key, \d+ steps, [\d.]+ ms\)/);
    expect(err).toBe('');
  });

  test('the empty etcd_095.log exits 0 with a note', async () => {
    const { code, out } = await run(etcd('095'));
    expect(code).toBe(0);
    expect(out).toMatch(/etcd_095\.log: linearizable .*0 ops/);
    expect(out).toMatch(/empty history/);
  });

  test('a history that is not linearizable exits 1 and shows the key, the window and a timeline', async () => {
    const { code, out } = await run(etcd('000'));
    expect(code).toBe(1);
    expect(out).toMatch(/etcd_000\.log: NOT linearizable/);
    expect(out).toMatch(/key "": 1 operation\(s\) cannot be ordered after a linearized prefix of \d+/);
    expect(out).toMatch(/^ {2}p\d+ +\|.*\[/m);
    expect(out).toMatch(/cannot be ordered$/m);
  });

  test('one non-linearizable file among linearizable ones makes the exit 1', async () => {
    const { code, out } = await run(etcd('101'), kv('c01-bad'), kv('c01-ok'));
    expect(code).toBe(1);
    expect(out).toMatch(/3 files: 2 linearizable, 1 not, 0 unknown, 0 unreadable/);
  });

  test('a malformed line exits 2 with FILE:LINE:COL and no stack trace', async () => {
    const file = scratch('bad.jsonl', '{"t": 1, "process": 0, "type": "invoke", "f": "read", "key": "k", "value": null}\n{"t": 2, "process": 0, "type": "done", "f": "read", "key": "k", "value": null}\n');
    const { code, out, err } = await run(file);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: "type": expected invoke \\| ok \\| fail \\| info, got "done"\\n$`));
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('an unreadable file exits 2', async () => {
    const { code, err } = await run('/nonexistent/history.jsonl');
    expect(code).toBe(2);
    expect(err).toBe('/nonexistent/history.jsonl: cannot read: no such file; expected a history file (jsonl, jepsen-log, jepsen-edn)\n');
  });

  test('a malformed file among good ones still exits 2, after checking the others', async () => {
    const bad = scratch('bad.log', 'INFO  jepsen.util - 3\t:invoke\t:frobnicate\tnil\n');
    const { code, out, err } = await run(etcd('101'), bad);
    expect(code).toBe(2);
    expect(out).toMatch(/etcd_101\.log: linearizable/);
    expect(err).toMatch(/bad\.log:1:\d+: expected :read, :write or :cas, got :frobnicate/);
  });

  test.each([
    [[], /needs at least one history file/],
    [['--bogus', 'x'], /unknown option --bogus/],
    [['--format', 'yaml', 'x'], /unknown --format "yaml"/],
    [['x', '--format'], /--format needs a value/],
  ])('bad usage %j exits 2 with a usage message', async (args, message) => {
    const { code, out, err } = await run(...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).toMatch(/^raftsim: /);
  });

  test('--format overrides the guess (and a wrong one is a located error)', async () => {
    const { code, err } = await run('--format=jsonl', etcd('101'));
    expect(code).toBe(2);
    expect(err).toMatch(/etcd_101\.log:1:1: invalid JSON/);
    expect((await run('--format', 'jepsen-log', etcd('101'))).code).toBe(0);
  });

  test('--help prints the help and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toBe(CHECK_HISTORY_HELP);
    expect(CHECK_HISTORY_HELP).toMatch(/raftsim check-history <FILE>\.\.\. \[--format jepsen-log\|jepsen-edn\|jsonl\] \[--json\]/);
  });
});

describe('a file from `raftsim run --history` holds one history per model, each checked on its own', () => {
  const line = (model: string, t: number, process: number, type: string, f: string, value: unknown) =>
    JSON.stringify({ model, t, process, type, f, key: 'k1', value });
  // Each model's history is in time order; the second starts over at t = 0.
  const file = () =>
    scratch(
      'run-history.jsonl',
      [
        line('raft', 0, 1, 'invoke', 'write', 1), line('raft', 5, 1, 'ok', 'write', 1),
        line('raft', 10, 2, 'invoke', 'read', null), line('raft', 15, 2, 'ok', 'read', 1),
        line('async', 0, 1, 'invoke', 'write', 1), line('async', 5, 1, 'ok', 'write', 1),
        line('async', 10, 2, 'invoke', 'read', null), line('async', 15, 2, 'ok', 'read', null),
      ].join('\n') + '\n',
    );

  test('text: a verdict per model, and the file is not linearizable if one of them is not', async () => {
    const { code, out } = await run(file());
    expect(code).toBe(1);
    expect(out).toMatch(/run-history\.jsonl: NOT linearizable \(jsonl, register model, 2 histories\)/);
    expect(out).toMatch(/^ {2}raft: linearizable \(2 ops, 1 key, /m);
    expect(out).toMatch(/^ {2}async: NOT linearizable \(2 ops, 1 key, /m);
    expect(out).toMatch(/^ {4}key "k1": 1 operation\(s\) cannot be ordered/m);
  });

  test('json: a histories list with each model\'s name and figures', async () => {
    const { out } = await run('--json', file());
    const entry = (JSON.parse(out) as { files: Record<string, unknown>[] }).files[0]!;
    expect(entry).toMatchObject({ linearizable: false, format: 'jsonl', spec: 'register' });
    const histories = entry['histories'] as Record<string, unknown>[];
    expect(histories.map((h) => [h['model'], h['linearizable'], h['ops']])).toEqual([
      ['raft', true, 2],
      ['async', false, 2],
    ]);
    expect(histories[1]!['failure']).toMatchObject({ key: 'k1', spec: 'register' });
  });
});

describe('--json prints exactly one object, {"files": [...]}', () => {
  test('each file has its name and verdict; a failure is data', async () => {
    const { code, out } = await run('--json', etcd('101'), etcd('000'));
    expect(code).toBe(1);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(out) as { files: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['files']);
    expect(parsed.files).toHaveLength(2);
    expect(parsed.files[0]).toMatchObject({ file: etcd('101'), linearizable: true, format: 'jepsen-log', spec: 'register', ops: 77 });
    expect(parsed.files[0]).not.toHaveProperty('failure');
    const failed = parsed.files[1]!;
    expect(failed).toMatchObject({ file: etcd('000'), linearizable: false });
    const failure = failed['failure'] as Record<string, unknown>;
    expect(Object.keys(failure).sort()).toEqual(['conflicting', 'key', 'linearizedPrefix', 'spec', 'valueAfterPrefix']);
    const op = (failure['conflicting'] as Record<string, unknown>[])[0]!;
    expect(Object.keys(op).sort()).toEqual(['callT', 'f', 'outcome', 'output', 'process', 'returnT', 'value']);
  });

  test('the JSON is the same on every run (no wall-clock figures in it)', async () => {
    expect((await run('--json', etcd('000'))).out).toBe((await run('--json', etcd('000'))).out);
  });

  test('a malformed file is an entry with an error, and the exit is 2', async () => {
    const bad = scratch('bad.edn', '{:process 0, :type :invoke, :f :get, :key "1" :value nil}\n{:process 0 :type :ok}\n');
    const { code, out, err } = await run('--json', bad);
    expect(code).toBe(2);
    const parsed = JSON.parse(out) as { files: Record<string, unknown>[] };
    expect(parsed.files[0]).toMatchObject({ file: bad, linearizable: null });
    expect(parsed.files[0]!['error']).toMatch(/bad\.edn:2:1: the map has no :f/);
    expect(err).toMatch(/bad\.edn:2:1: the map has no :f/);
  });
});

test('every one of the 108 Porcupine histories gets its known verdict through check-history', async () => {
  const verdicts = JSON.parse(readFileSync(FIXTURES + 'verdicts.json', 'utf8')) as Record<string, Record<string, boolean>>;
  const files = ['jepsen-etcd', 'kv'].flatMap((group) => readdirSync(FIXTURES + group).sort().map((f) => ({ group, f })));
  expect(files).toHaveLength(109); // 102 + the empty etcd_095 + 6 kv
  const { code, out } = await run('--json', ...files.map(({ group, f }) => `${FIXTURES}${group}/${f}`));
  expect(code).toBe(1);
  const got = (JSON.parse(out) as { files: { file: string; linearizable: boolean | null }[] }).files;
  files.forEach(({ group, f }, i) => {
    expect(got[i]!.file).toBe(`${FIXTURES}${group}/${f}`);
    expect([f, got[i]!.linearizable]).toEqual([f, verdicts[group]![f] ?? true]);
  });
});
