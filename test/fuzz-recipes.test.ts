/**
 * The scale-out recipes of docs/fuzzing.md (docs/examples/*.yaml|yml) do
 * what the page says: the Kubernetes Indexed Job splits the campaign into
 * as many shards as it has completions, a found bug (exit 1) is not
 * retried and bad usage (exit 2) fails the Job, by Kubernetes' own rules
 * for podFailurePolicy; the GitHub Actions matrix has as many shards as its
 * --shard N, and its shard step lets exit 1 through to the merge but not
 * exit 2 (run under bash -e, as Actions runs it, with a stand-in raftsim);
 * every flag the recipes pass is one `raftsim fuzz --help` lists; and the
 * page's tables name every kind of fault the generator draws and every
 * flag of the command. No campaign is run here: test/fuzz.test.ts runs
 * the fuzzer itself.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { FUZZ_HELP } from '../src/cli/fuzz-command.ts';
import { fuzzProfile } from '../src/fuzz/kinds.ts';

type Obj = Record<string, any>;

const EXAMPLES = 'docs/examples';
const files = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f));
const manifests: { file: string; doc: Obj }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return { file, doc: d.toJS() as Obj };
  }),
);
const jobs = manifests.filter((m) => m.doc.apiVersion === 'batch/v1' && m.doc.kind === 'Job');
const campaign = jobs.find((j) => j.doc.spec.completionMode === 'Indexed');
const mergeJob = jobs.find((j) => j !== campaign);
const workflows = manifests.filter((m) => m.doc.jobs !== undefined && m.doc.on !== undefined);

/** The flags `raftsim fuzz --help` lists. */
const HELP_FLAGS = new Set(FUZZ_HELP.match(/--[a-z][a-z-]*/g));

/** The value after `flag` in an argument list. */
function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

/** The flags a raftsim fuzz command passes (from its argument list, or a shell line). */
function flagsOf(args: readonly string[] | string): string[] {
  const words = typeof args === 'string' ? args.split(/\s+/) : args;
  return words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ''));
}

/** The directory a path is in. */
const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

/**
 * What a Job does with a pod whose container `container` exited `code`, by
 * Kubernetes' rules for spec.podFailurePolicy: the rules in order, the first
 * that matches decides; an onExitCodes rule matches when its containerName
 * (if any) is the container and the code is In (or NotIn) its values; with
 * no rule matching, the failure counts against the backoff limit (`Count`).
 */
function actionFor(spec: Obj, container: string, code: number): string {
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    const on = rule.onExitCodes;
    if (on === undefined) continue;
    if (on.containerName !== undefined && on.containerName !== container) continue;
    const listed = (on.values as number[]).includes(code);
    if (on.operator === 'In' ? listed : !listed) return rule.action as string;
  }
  return 'Count';
}

/** Runs a shell script as `shell -e -c`, in `dir`, with `bin` first on PATH. */
function runScript(shell: string, script: string, dir: string, bin: string, env: Record<string, string> = {}): number {
  const r = spawnSync(shell, ['-e', '-c', script], { cwd: dir, env: { ...process.env, ...env, PATH: `${bin}:${process.env['PATH']}` }, encoding: 'utf8' });
  return r.status ?? -1;
}

/** A folder with stand-ins for `raftsim` and `npx raftsim` that exit with $FAKE_EXIT, after writing the --jsonl file they were given. */
function standIns(): string {
  const bin = mkdtempSync(join(tmpdir(), 'raftsim-recipes-bin-'));
  const body = `#!/bin/sh
[ "$(basename "$0")" = npx ] && shift
jsonl=""; prev=""
for a in "$@"; do [ "$prev" = --jsonl ] && jsonl="$a"; prev="$a"; done
[ -n "$jsonl" ] && echo '{}' > "$jsonl"
exit "\${FAKE_EXIT:-0}"
`;
  for (const name of ['raftsim', 'npx']) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

describe('the Kubernetes Indexed Job (docs/examples)', () => {
  it('is there, with a merge Job beside it', () => {
    expect(campaign, 'an Indexed Job in docs/examples').toBeDefined();
    expect(mergeJob, 'a second Job that merges the shards').toBeDefined();
  });

  const spec = campaign!.doc.spec as Obj;
  const pod = spec.template.spec as Obj;
  const fuzz = (pod.containers as Obj[]).find((c) => (c.command as string[]).includes('fuzz'))!;
  const args = fuzz.command as string[];

  it('runs one shard per completion index: --shard auto/N with N equal to completions', () => {
    expect(spec.completionMode).toBe('Indexed');
    expect(Number.isInteger(spec.completions) && spec.completions >= 1).toBe(true);
    expect(spec.parallelism).toBeLessThanOrEqual(spec.completions);
    expect(args.slice(0, 2)).toEqual(['raftsim', 'fuzz']);
    expect(valueOf(args, '--shard')).toBe(`auto/${spec.completions}`);
    // One file per index, on a volume every pod (and the merge) mounts.
    const jsonl = valueOf(args, '--jsonl')!;
    expect(jsonl).toContain('$(JOB_COMPLETION_INDEX)');
    expect((fuzz.volumeMounts as Obj[]).map((m) => m.mountPath)).toContain(dirOf(jsonl));
  });

  it('passes only flags that raftsim fuzz --help lists', () => {
    for (const flag of flagsOf(args)) expect(HELP_FLAGS, flag).toContain(flag);
  });

  it('does not retry a shard that found a failing seed (exit 1), and fails the Job on bad usage (exit 2)', () => {
    // FailIndex: that index is marked failed, not restarted; the other indexes run on.
    expect(actionFor(spec, fuzz.name, 1)).toBe('FailIndex');
    expect(actionFor(spec, fuzz.name, 2)).toBe('FailJob');
    // Anything else (an out-of-memory kill) is retried, within a per-index limit.
    expect(actionFor(spec, fuzz.name, 137)).toBe('Count');
    expect(Number.isInteger(spec.backoffLimitPerIndex) && spec.backoffLimitPerIndex >= 1).toBe(true);
  });

  it("meets the API server's rules for podFailurePolicy", () => {
    // A pod failure policy needs restartPolicy Never; FailIndex needs backoffLimitPerIndex.
    expect(pod.restartPolicy).toBe('Never');
    const names = (pod.containers as Obj[]).map((c) => c.name as string);
    for (const rule of spec.podFailurePolicy.rules as Obj[]) {
      expect(['FailJob', 'FailIndex', 'Ignore', 'Count']).toContain(rule.action);
      if (rule.action === 'FailIndex') expect(spec.backoffLimitPerIndex).toBeDefined();
      // Exactly one of onExitCodes and onPodConditions.
      expect((rule.onExitCodes === undefined) !== (rule.onPodConditions === undefined)).toBe(true);
      const on = rule.onExitCodes as Obj | undefined;
      if (on === undefined) continue;
      if (on.containerName !== undefined) expect(names).toContain(on.containerName);
      expect(['In', 'NotIn']).toContain(on.operator);
      const values = on.values as number[];
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(Number.isInteger(v) && v >= (on.operator === 'In' ? 1 : 0) && v <= 255, `exit code ${v}`).toBe(true);
      expect([...new Set(values)].sort((a, b) => a - b), 'values unique and in ascending order').toEqual(values);
    }
  });

  it('keeps its results on a ReadWriteMany claim that the file also creates, and the merge Job mounts', () => {
    const claim = (pod.volumes as Obj[]).find((v) => v.persistentVolumeClaim !== undefined)!.persistentVolumeClaim.claimName;
    const pvc = manifests.find((m) => m.doc.kind === 'PersistentVolumeClaim' && m.doc.metadata.name === claim);
    expect(pvc, `a PersistentVolumeClaim named ${claim}`).toBeDefined();
    expect(pvc!.doc.spec.accessModes).toContain('ReadWriteMany');
    const mergePod = mergeJob!.doc.spec.template.spec as Obj;
    expect((mergePod.volumes as Obj[]).map((v) => v.persistentVolumeClaim?.claimName)).toContain(claim);
  });

  it("merges every shard's file and exits with the merge's code (run with a stand-in raftsim)", () => {
    const mergePod = mergeJob!.doc.spec.template.spec as Obj;
    expect(mergeJob!.doc.spec.backoffLimit).toBe(0);
    const container = mergePod.containers[0] as Obj;
    const [shell, flag, script] = container.command as string[];
    expect([shell, flag]).toEqual(['sh', '-c']);
    const jsonl = valueOf(args, '--jsonl')!;
    expect(script).toContain(`raftsim fuzz --merge ${jsonl.replace('$(JOB_COMPLETION_INDEX)', '*')}`);
    for (const flag of flagsOf(script!)) expect(HELP_FLAGS, flag).toContain(flag);

    // The script as the pod runs it, its volume a temporary folder holding what the shards leave.
    const bin = standIns();
    const results = mkdtempSync(join(tmpdir(), 'raftsim-recipes-results-'));
    const shrunk = valueOf(args, '--out')!.replace(dirOf(jsonl), results);
    mkdirSync(shrunk, { recursive: true });
    writeFileSync(join(shrunk, 'raft-seed-6.yaml'), 'name: fuzz-raft-seed-6\n');
    const mount = (mergePod.containers[0].volumeMounts as Obj[])[0]!.mountPath as string;
    const local = script!.replaceAll(mount, results);
    for (const code of [0, 1, 2]) {
      const r = spawnSync(shell!, ['-c', local], { env: { ...process.env, FAKE_EXIT: String(code), PATH: `${bin}:${process.env['PATH']}` }, encoding: 'utf8' });
      expect(r.status, `raftsim exits ${code}`).toBe(code);
      expect(r.stdout).toContain('name: fuzz-raft-seed-6');
    }
  });
});

describe('the GitHub Actions matrix (docs/examples)', () => {
  it('is there', () => {
    expect(workflows.length).toBeGreaterThan(0);
  });

  for (const { file, doc } of workflows) {
    const shardJob = Object.values(doc.jobs as Obj).find((j: Obj) => j.strategy?.matrix?.shard !== undefined) as Obj;
    const step = (shardJob.steps as Obj[]).find((s) => typeof s.run === 'string' && s.run.includes('raftsim fuzz'))!;
    const shards = shardJob.strategy.matrix.shard as number[];

    it(`${file}: runs shards 1..N as its matrix, N as in --shard I/N`, () => {
      expect(shards).toEqual(shards.map((_, i) => i + 1));
      const n = /--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(step.run as string);
      expect(n, 'the step passes --shard ${{ matrix.shard }}/N').not.toBeNull();
      expect(Number(n![1])).toBe(shards.length);
      expect(shardJob.strategy['fail-fast']).toBe(false);
      for (const flag of flagsOf(step.run as string)) expect(HELP_FLAGS, flag).toContain(flag);
    });

    it(`${file}: uploads each shard's --jsonl file, and the merge job merges what was uploaded`, () => {
      const jsonl = /--jsonl (.+?\.jsonl)/.exec(step.run as string)![1]!;
      const upload = (shardJob.steps as Obj[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
      expect(upload.if).toMatch(/!cancelled\(\)|always\(\)/);
      expect(String(upload.with.path)).toContain(jsonl);
      const shardJobName = Object.entries(doc.jobs as Obj).find(([, j]) => j === shardJob)![0];
      const merge = Object.values(doc.jobs as Obj).find((j: Obj) => (j.steps as Obj[]).some((s) => String(s.run).includes('--merge'))) as Obj;
      expect([merge.needs].flat()).toContain(shardJobName);
      // It runs whether or not a shard failed: a shard's exit 2 must not hide the others' findings.
      expect(merge.if).toMatch(/!cancelled\(\)|always\(\)/);
      const download = (merge.steps as Obj[]).find((s) => String(s.uses).startsWith('actions/download-artifact'))!;
      const mergeRun = (merge.steps as Obj[]).find((s) => String(s.run).includes('--merge'))!.run as string;
      const glob = jsonl.replace('${{ matrix.shard }}', '*');
      expect(mergeRun).toContain(`--merge ${download.with.path}/${glob}`);
    });

    it(`${file}: the shard step passes on exit 0 and 1 (the merge reports a failing seed) and fails on exit 2`, () => {
      const bin = standIns();
      const dir = mkdtempSync(join(tmpdir(), 'raftsim-recipes-runner-'));
      const script = (step.run as string).replaceAll('${{ matrix.shard }}', '1');
      const env = Object.fromEntries(Object.entries(doc.env ?? {}).map(([k, v]) => [k, String(v)]));
      const status = (code: number) => runScript('bash', script, dir, bin, { ...env, FAKE_EXIT: String(code) });
      expect(status(0)).toBe(0);
      expect(status(1)).toBe(0);
      expect(status(2)).not.toBe(0);
    });
  }
});

describe('docs/fuzzing.md', () => {
  const page = readFileSync('docs/fuzzing.md', 'utf8');

  it('names, in its table of fault kinds, every kind the generator draws and no other', () => {
    const section = page.slice(page.indexOf('### Kinds of fault'), page.indexOf('### Two phases'));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const kinds = new Set([...fuzzProfile('raft').faultKinds, ...fuzzProfile('primary-replica').faultKinds]);
    expect(new Set(rows)).toEqual(kinds);
  });

  it('lists every flag of raftsim fuzz --help in its options table, as command-line.md does', () => {
    const options = page.slice(page.indexOf('## Options'), page.indexOf('## Exit codes'));
    const commandLine = readFileSync('docs/command-line.md', 'utf8');
    const at = commandLine.indexOf('## raftsim fuzz');
    const fuzzSection = commandLine.slice(at, commandLine.indexOf('\n## ', at + 1));
    for (const flag of HELP_FLAGS) {
      expect(options, flag).toContain(`\`${flag}`);
      expect(fuzzSection, `docs/command-line.md: ${flag}`).toContain(`\`${flag}`);
    }
  });

  it("shows a GNU parallel line whose --shard N is its number of shards", () => {
    const line = /^parallel .*--shard \{\}\/(\d+).*::: ([\d ]+)$/m.exec(page);
    expect(line).not.toBeNull();
    const shards = line![2]!.trim().split(/\s+/).map(Number);
    expect(shards).toEqual(shards.map((_, i) => i + 1));
    expect(Number(line![1])).toBe(shards.length);
  });
});
