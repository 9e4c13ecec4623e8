import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    [['run', 'scenarios/leader-crash.yaml', '--frobnicate'], /Unknown option '--frobnicate'/],
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
  /** Temporary files anywhere in `dir` or beside it. */
  const temporaries = (dir: string) => [...readdirSync(dir), ...readdirSync(dirname(dir))].filter((f) => f.includes('.tmp-'));

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
    writeFileSync(join(dir, 'a.jsonl'), 'keep\n');
    symlinkSync('a.jsonl', join(dir, 'b.jsonl'));
    const { code, err } = await cli('run', scenarioFile, '--trace', join(dir, 'a.jsonl'), '--history', join(dir, 'b.jsonl'));
    expect(code).toBe(2);
    expect(err).toMatch(/both name/);
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe('keep\n');
  });

  it('an output in a directory that does not exist is exit 2 before the run', async () => {
    const dir = fresh();
    const { code, out, err } = await cli('run', scenarioFile, '--history', join(dir, 'missing', 'h.jsonl'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: --history: cannot write ${join(dir, 'missing', 'h.jsonl')}: the directory ${join(dir, 'missing')} does not exist; expected a file in an existing directory\n`);
    expect(readdirSync(dir)).toEqual([]);
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
