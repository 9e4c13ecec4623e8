import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

const BAD = 'test/fixtures/scenarios-bad';
const badFiles = readdirSync(BAD).filter((f) => f.endsWith('.yaml'));

/** Each broken fixture's first line says where the error must point: `# expect: LINE:COL message`. */
function expected(file: string): { line: number; col: number; text: string } {
  const first = readFileSync(join(BAD, file), 'utf8').split('\n')[0]!;
  const m = /^# expect: (\d+):(\d+) (.*)$/.exec(first);
  if (m === null) throw new Error(`${file}: first line must be '# expect: LINE:COL message'`);
  return { line: Number(m[1]), col: Number(m[2]), text: m[3]! };
}

describe('bad input gets FILE:LINE:COL, exit code 2 and no stack trace', () => {
  it.each(badFiles)('validate %s', async (file) => {
    const { line, col, text } = expected(file);
    const { code, err } = await cli('validate', join(BAD, file));
    expect(code).toBe(2);
    expect(err).toContain(`${join(BAD, file)}:${line}:${col}: ${text}`);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it.each(badFiles)('run %s', async (file) => {
    const { code, err, out } = await cli('run', join(BAD, file), '--json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^${join(BAD, file).replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
  });

  it('a missing scenario file is a located error, not a crash', async () => {
    const { code, err } = await cli('run', 'scenarios/does-not-exist.yaml');
    expect(code).toBe(2);
    expect(err).toContain('scenarios/does-not-exist.yaml');
  });

  it.each([
    [['run'], /expected one scenario file/],
    [['run', 'scenarios/leader-crash.yaml', '--seed', 'abc'], /--seed: "abc" is not a seed/],
    [['run', 'scenarios/leader-crash.yaml', '--until', 'soon'], /--until: "soon" is not a time/],
    [['run', 'scenarios/leader-crash.yaml', '--model', 'paxos'], /--model: "paxos" is not a model/],
    [['run', 'scenarios/leader-crash.yaml', '--ui', 'gui'], /--ui: "gui"/],
    [['run', 'scenarios/leader-crash.yaml', '--frobnicate'], /run: unknown option --frobnicate; expected one of: --seed, /],
    [['launch'], /unknown command "launch"/],
  ])('bad usage %j exits 2 with a message', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('refuses to write a trace over the scenario file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-'));
    const scenario = join(dir, 's.yaml');
    const text = readFileSync('scenarios/leader-crash.yaml', 'utf8');
    writeFileSync(scenario, text);
    const { code } = await cli('run', scenario, '--trace', scenario);
    expect(code).toBe(2);
    expect(readFileSync(scenario, 'utf8')).toBe(text);
  });
});

describe('output files are checked before the run and never left half-written', () => {
  const scenarioFile = 'scenarios/leader-crash.yaml';
  const fresh = () => mkdtempSync(join(tmpdir(), 'raftsim-out-'));
  /** Temporary files in `dir`, or beside it named after it (`DIR.tmp-PID`, which the old code left). */
  const temporaries = (dir: string) => [
    ...readdirSync(dir).filter((f) => f.includes('.tmp-')),
    ...readdirSync(dirname(dir)).filter((f) => f.startsWith(`${basename(dir)}.tmp-`)),
  ];

  it.each(['--trace', '--history'])('%s naming a directory is exit 2 before the run, with no temporary file', async (flag) => {
    const dir = fresh();
    const { code, out, err } = await cli('run', scenarioFile, flag, dir);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: ${flag}: ${dir} is a directory; expected a file name (e.g. ${join(dir, flag === '--trace' ? 'trace.jsonl' : 'history.jsonl')})\n`);
    expect(temporaries(dir)).toEqual([]);
  });

  it('--trace and --history naming the same file is exit 2 before the run', async () => {
    const dir = fresh();
    const file = join(dir, 'out.jsonl');
    const { code, out, err } = await cli('run', scenarioFile, '--trace', file, '--history', join(dir, '.', 'out.jsonl'), '--json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/--trace and --history both name .*out\.jsonl; expected two different files/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same file through a symbolic link is the same file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'a.jsonl'), ''); // empty: a file raftsim may replace, so only the sameness is at stake
    symlinkSync('a.jsonl', join(dir, 'b.jsonl'));
    const { code, err } = await cli('run', scenarioFile, '--trace', join(dir, 'a.jsonl'), '--history', join(dir, 'b.jsonl'));
    expect(code).toBe(2);
    expect(err).toMatch(/both name/);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe('');
  });

  it('an output in a directory that does not exist is exit 2 before the run', async () => {
    const dir = fresh();
    const { code, out, err } = await cli('run', scenarioFile, '--history', join(dir, 'missing', 'h.jsonl'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: --history: cannot write ${join(dir, 'missing', 'h.jsonl')}: the directory ${join(dir, 'missing')} does not exist; expected a file in an existing directory\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an output that is a symbolic link: the file it names is written, the link kept', async () => {
    const dir = fresh();
    // An earlier run's history: raftsim replaces its own files (any other file is refused: cli-outputs-never-overwrite).
    writeFileSync(join(dir, 'real.jsonl'), '{"t":0,"process":1,"type":"invoke","f":"read","key":"k1","value":null}\n');
    symlinkSync('real.jsonl', join(dir, 'link.jsonl'));
    const { code } = await cli('run', scenarioFile, '--history', join(dir, 'link.jsonl'), '--json');
    expect(code).toBe(0);
    expect(lstatSync(join(dir, 'link.jsonl')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real.jsonl'), 'utf8').split('\n')[0]!)).toHaveProperty('type', 'invoke');
    expect(readdirSync(dir).sort()).toEqual(['link.jsonl', 'real.jsonl']);
  });

  it('an output that is a pipe (or /dev/stdout) is written directly, not replaced by a file', async () => {
    const dir = fresh();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(join(dir, 'read.jsonl'), 'w');
    const reader = spawn('cat', [fifo], { stdio: ['ignore', readFd, 'ignore'] });
    closeSync(readFd);
    try {
      const { code } = await cli('run', scenarioFile, '--trace', fifo, '--json');
      expect(code).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      await new Promise((r) => reader.on('exit', r));
      expect(readFileSync(join(dir, 'read.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(100);
      expect(readdirSync(dir).sort()).toEqual(['pipe', 'read.jsonl']);
    } finally {
      reader.kill();
    }
  });

  it('a bad scenario leaves no output and no temporary file', async () => {
    const dir = fresh();
    const { code } = await cli('run', 'test/fixtures/scenarios-bad/bad-time.yaml', '--trace', join(dir, 't.jsonl'), '--history', join(dir, 'h.jsonl'));
    expect(code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a run killed mid-way leaves a temporary file that the next run writing the same file removes', async () => {
    const dir = fresh();
    const trace = join(dir, 't.jsonl');
    // A long run, killed once its temporary trace file exists.
    const child = spawn(process.execPath, ['bin/raftsim.js', 'run', 'scenarios/raft/churn-unreliable.yaml', '--trace', trace], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (!readdirSync(dir).some((f) => f.startsWith('t.jsonl.tmp-')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(readdirSync(dir).filter((f) => f.startsWith('t.jsonl.tmp-'))).toHaveLength(1);
    const { code } = await cli('run', scenarioFile, '--trace', trace, '--json');
    expect(code).toBe(0);
    expect(readdirSync(dir)).toEqual(['t.jsonl']);
  }, 60_000);
});

describe('a binary or garbage file gets one short line, its characters escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-garbage-'));
  const file = (name: string, bytes: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  // Bytes of every value, as an executable or a compressed file has them.
  const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff);
  const ESC = '\u001b';
  /** One line, at most this long, no raw control character, exit 2. */
  const oneShortLine = ({ code, out, err }: { code: number; out: string; err: string }, max = 400) => {
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err.length).toBeLessThanOrEqual(max);
    expect(err.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  };

  it.each(['run', 'validate'])('%s of a binary scenario', async (command) => {
    const path = file('binary.yaml', binary);
    const result = await cli(command, path);
    oneShortLine(result);
    expect(result.err).toBe(`${path}: not a scenario: it is a binary file (a NUL byte at offset 0), not text; expected a YAML scenario file\n`);
  });

  it('a scenario that is not UTF-8', async () => {
    const path = file('latin1.yaml', Buffer.from('name: caf\xe9\n', 'latin1'));
    const result = await cli('validate', path);
    oneShortLine(result);
    expect(result.err).toBe(`${path}: not a scenario: it is not UTF-8 text; expected a YAML scenario file\n`);
  });

  it('a text file that is not YAML: its first syntax error, with a count of the rest', async () => {
    const result = await cli('validate', 'README.md');
    oneShortLine(result);
    expect(result.err).toMatch(/^README\.md:\d+:\d+: invalid YAML: .* \(and \d+ more YAML errors after it\)\n$/);
  });

  it('a huge line of text is quoted cut short', async () => {
    const result = await cli('validate', file('long.yaml', 'a'.repeat(100_000)));
    oneShortLine(result);
    expect(result.err).toContain('"aaaa');
    expect(result.err).toContain('…" (100000 characters) is not a mapping; expected a mapping of scenario keys');
  });

  it('control characters quoted from the file are escaped', async () => {
    const result = await cli('validate', file('controls.yaml', `x${ESC}[2J\u007f\u009b`));
    oneShortLine(result);
    expect(result.err).toContain('x\\u001b[2J\\x7f\\x9b');
  });

  it('check-history of a binary file', async () => {
    const path = file('binary.jsonl', binary);
    for (const format of [[], ['--format', 'jsonl'], ['--format', 'jepsen-edn'], ['--format', 'jepsen-log']]) {
      const result = await cli('check-history', ...format, path);
      oneShortLine(result);
      expect(result.err).toBe(`${path}: not a history: it is a binary file (a NUL byte at offset 0), not text; expected jsonl, jepsen-log, jepsen-edn\n`);
    }
  });

  it.each(['jsonl', 'jepsen-edn', 'jepsen-log'])('check-history --format %s of text garbage with control characters', async (format) => {
    const result = await cli('check-history', '--format', format, file(`garbage.${format}`, `x\u007f${ESC}[31m${'y'.repeat(2000)}\n`.repeat(50)));
    oneShortLine(result);
  });

  it('a history\'s model name and key with escape sequences are escaped in the report', async () => {
    const model = `m${ESC}[31m`;
    const key = `k${ESC}[32m`;
    const events = [
      { model, t: 1, process: 0, type: 'invoke', f: 'write', key, value: 1 },
      { model, t: 2, process: 0, type: 'ok', f: 'write', key, value: 1 },
      { model, t: 3, process: 1, type: 'invoke', f: 'read', key, value: null },
      { model, t: 4, process: 1, type: 'ok', f: 'read', key, value: 7 },
    ];
    const result = await cli('check-history', file('key.jsonl', events.map((e) => JSON.stringify(e)).join('\n') + '\n'));
    expect(result.code).toBe(1);
    expect(result.out).toContain('  m\\x1b[31m: NOT linearizable');
    expect(result.out).not.toContain(ESC);
  });
});

describe('the scenario\'s own strings are escaped when printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-strings-'));
  const path = join(dir, 'evil.yaml');
  writeFileSync(path, ['name: "evil\\e[2J\\u202e"', 'description: "line one\\nline \\e]0;title\\a two"', 'duration: 1s', 'nodes: 3', 'models: [{kind: raft}]', ''].join('\n'));

  it('in the text report: name and description, newlines kept', async () => {
    const { code, out } = await cli('run', path);
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 3)).toEqual(['scenario evil\\x1b[2J\\u202e  seed 1  duration 1s', 'line one', 'line \\x1b]0;title\\x07 two']);
    expect(out).not.toMatch(/[\u001b\u0007\u202e]/);
  });

  it('in validate\'s answer', async () => {
    const { code, out } = await cli('validate', path);
    expect(code).toBe(0);
    expect(out).toBe(`${path}: ok (evil\\x1b[2J\\u202e: 3 nodes, 1 model(s), 0 fault(s))\n`);
  });
});

describe('a description tells the story of the scenario\'s own seed', () => {
  const note = /\(the description tells the story of seed (\d+); this run uses seed (\d+)\)/;

  it('with --seed N other than the scenario\'s, the report says the story was written for the scenario\'s seed', async () => {
    const { out } = await cli('run', 'scenarios/leader-crash.yaml', '--seed', '42', '--until', '1s');
    expect(out.match(note)?.slice(1)).toEqual(['1', '42']);
    // Right after the description.
    expect(out.split('\n')[2]).toMatch(note);
  });

  it('without --seed, or with the scenario\'s own seed, it says nothing', async () => {
    expect((await cli('run', 'scenarios/leader-crash.yaml', '--until', '1s')).out).not.toMatch(note);
    expect((await cli('run', 'scenarios/leader-crash.yaml', '--seed', '1', '--until', '1s')).out).not.toMatch(note);
  });
});

describe('faults resolved at run time', () => {
  it('a cut whose from and to resolve to the same node is skipped with a note, as partitions are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-cut-'));
    const path = join(dir, 'self-cut.yaml');
    // One node: it is the leader (and the primary), so `from: leader, to: n1` names it twice.
    writeFileSync(path, ['name: self-cut', 'duration: 2s', 'settle: 1s', 'nodes: 1', 'models: [{kind: raft}, {kind: primary-replica, replication: async}]', 'faults:', '  - at: 1s', '    cut: {from: leader, to: n1, both: true}', ''].join('\n'));
    const { code, out } = await cli('run', path);
    expect(code).toBe(0);
    expect(out.match(/^ +1s {2}.*$/gm)).toEqual(['       1s  skipped cut leader -> n1: both are n1', '       1s  skipped cut leader -> n1: both are n1']);
  });
});

describe('raftsim run', () => {
  it('--json prints exactly one object with every field of contract §4', async () => {
    const { code, out, err } = await cli('run', 'scenarios/leader-crash.yaml', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(Object.keys(summary)).toEqual(['scenario', 'seed', 'durationMs', 'models', 'expectations']);
    const raft = summary.models.raft;
    for (const field of ['kind', 'ops', 'availability', 'linearizable', 'lostWrites', 'staleReads', 'dirtyReads', 'rtoMs', 'leaderChanges', 'violations', 'events', 'messages', 'traceHash']) {
      expect(raft).toHaveProperty(field);
    }
    expect(Object.keys(raft.ops)).toEqual(['ok', 'fail', 'info']);
    expect(Object.keys(raft.messages)).toEqual(['sent', 'delivered', 'dropped']);
    expect(summary.expectations.every((e: { ok: boolean }) => e.ok)).toBe(true);
  });

  it('--seed overrides the scenario seed and changes the run', async () => {
    const a = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json')).out);
    const b = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json', '--seed', '2')).out);
    expect(b.seed).toBe(2);
    expect(b.models.raft.traceHash).not.toBe(a.models.raft.traceHash);
  });

  it('--until stops the simulation early', async () => {
    const full = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json')).out);
    const early = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json', '--until', '2s')).out);
    expect(early.models.raft.events).toBeLessThan(full.models.raft.events / 4);
  });

  it('--trace and --history write JSON lines; the trace hash does not depend on tracing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-'));
    const trace = join(dir, 'trace.jsonl');
    const history = join(dir, 'history.jsonl');
    const plain = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json')).out);
    const traced = JSON.parse((await cli('run', 'scenarios/leader-crash.yaml', '--json', '--trace', trace, '--history', history)).out);
    expect(traced.models.raft.traceHash).toBe(plain.models.raft.traceHash);
    const traceLines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(traceLines.length).toBeGreaterThan(1000);
    expect(JSON.parse(traceLines[0]!)).toHaveProperty('t');
    const historyLines = readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(historyLines[0]).toMatchObject({ type: 'invoke', process: expect.any(Number), f: expect.any(String) });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('the text report shows the event log, the table and the expectations', async () => {
    const { code, out } = await cli('run', 'scenarios/leader-crash.yaml', '--ui', 'text');
    expect(code).toBe(0);
    expect(out).toMatch(/crash n\d/);
    expect(out).toMatch(/became leader of term/);
    expect(out).toMatch(/availability/);
    expect(out).toMatch(/ok {4}raft\.lostWrites: want 0, got 0/);
  });

  it('--help and --version answer and exit 0', async () => {
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('run', '--help')).out).toMatch(/Usage: raftsim run/);
    expect((await cli('validate', '--help')).out).toMatch(/Usage: raftsim validate/);
    expect((await cli('--version')).out).toMatch(/^raftsim \d+\.\d+\.\d+/);
  });

  it('validate accepts every scenario in the repository', async () => {
    const files = readdirSync('scenarios', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).map((f) => join('scenarios', f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const { code, err } = await cli('validate', ...files);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(existsSync('schema/scenario.schema.json')).toBe(true);
  });
});
