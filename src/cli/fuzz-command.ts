import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../core/errors.ts';
import { formatUs, parseDuration } from '../core/time.ts';
import { fuzzJunit } from '../export/junit.ts';
import { runCampaign } from '../fuzz/campaign.ts';
import { ALLOWABLE, type Failure } from '../fuzz/judge.ts';
import { campaignReport, headerLine, optionsText, replayCommand, seedLine, type CampaignHeader, type Shrunk } from '../fuzz/report.ts';
import { runWorld, worldOf, type CampaignConfig, type SeedResult } from '../fuzz/seed.ts';
import { shrinkWorld, stillFailsOnlyWithBugs } from '../fuzz/shrink.ts';
import { DEFAULT_DURATION_MS, DEFAULT_SETTLE_MS, withoutBugs, worldYaml, worldScenario, type OptionValue, type World } from '../fuzz/world.ts';
import type { Scenario } from '../scenario/types.ts';
import { MODEL_KINDS } from '../scenario/schema.ts';
import { parse } from './args.ts';
import { checkOutputFile, samePath, statQuietly } from './outputs.ts';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, processIo, type CliIo } from './io.ts';

export const FUZZ_HELP = `Usage: raftsim fuzz [options]
       raftsim fuzz --merge FILE.jsonl...

Runs many seeds, each a random world drawn from the seed alone (node count,
network, faults, clock drift, workload, and which kinds of fault are on at
all), and reports every seed whose run breaks a promise of the model's
configuration or a safety invariant. A failing world is shrunk to the
smallest scenario file that still fails the same way, ready for raftsim run.

Options:
  --model KIND          raft (default), primary-replica or leaderless
  --options K=V,...     pin model options, e.g. reads=lease, bugs=forget-vote,
                        replication=sync,failover=auto,fencing=lease
                        (a list: bugs=a+b; a map of node to value, as
                        clockDrift, clockOffset and cascade: n3:n2+n4:n3,
                        and every world has the nodes it names); the rest
                        are drawn per world
  --seeds N             how many seeds (default 1000)
  --start S             the first seed (default 1)
  --duration TIME       each world's safety phase, under faults (default 5s;
                        200ms to 1h)
  --settle TIME         its liveness phase: every fault healed, the cluster
                        must converge within it (default 3s; 100ms to 1h)
  --allow FIGURES       treat these as expected: lostWrites, staleReads,
                        dirtyReads, linearizable, converged (comma-separated)
  --workers K           worker threads (default: the number of cores); the
                        results are identical for every K
  --out DIR             where shrunk scenario files go (default fuzz-out)
  --shrink-time TIME    wall time to shrink each failure (default 30s; 0: none)
  --jsonl FILE          write one JSON line per seed (after a header line)
  --junit FILE          write every seed as a JUnit XML test case (for CI)
  --shard I/N           run only the I-th of N slices of the seed range
                        (auto/N: I from JOB_COMPLETION_INDEX, 0-based)
  --merge FILE...       combine the --jsonl files of shards into one report
                        (and, with --jsonl, one file)
  -h, --help            this help

Exit codes: 0 no failing seed; 1 at least one; 2 bad usage; 130 stopped by
Ctrl-C before any failing seed was found.
`;

const DEFAULT_SEEDS = 1000;
const DEFAULT_SHRINK_MS = 30_000;
/** Distinct failures shrunk per campaign (the first seed of each). */
const SHRINK_MAX = 5;
const EXIT_INTERRUPTED = 130;

export async function fuzzCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      model: { type: 'string' },
      options: { type: 'string', multiple: true },
      seeds: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      settle: { type: 'string' },
      allow: { type: 'string', multiple: true },
      workers: { type: 'string' },
      out: { type: 'string' },
      'shrink-time': { type: 'string' },
      jsonl: { type: 'string' },
      junit: { type: 'string' },
      shard: { type: 'string' },
      merge: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'fuzz',
  );
  if (values.help) {
    io.out(FUZZ_HELP);
    return EXIT_OK;
  }
  if (values.junit !== undefined) checkOutputFile('--junit', values.junit, 'junit.xml');
  if (values.jsonl !== undefined) checkOutputFile('--jsonl', values.jsonl, 'fuzz.jsonl');
  if (values.jsonl !== undefined && values.junit !== undefined && samePath(values.jsonl, values.junit)) throw new UsageError(`--jsonl and --junit both name ${values.junit}; expected two different files`);
  if (values.merge) return mergeCommand(positionals, values.jsonl, io, values.junit);
  if (positionals.length > 0) throw new UsageError(`fuzz: unexpected argument "${positionals[0]}" (only --merge takes files); see 'raftsim fuzz --help'`);

  const kind = values.model ?? 'raft';
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--model: "${kind}" is not a model kind; expected one of: ${MODEL_KINDS.join(', ')}`);
  const pinned = parseOptions(values.options ?? []);
  const allow = parseAllow(values.allow ?? []);
  const seeds = wholeNumber('--seeds', values.seeds, DEFAULT_SEEDS, 1);
  const start = wholeNumber('--start', values.start, 1, 0);
  if (start > Number.MAX_SAFE_INTEGER - (seeds - 1)) throw new UsageError(`--start ${start} --seeds ${seeds}: the last seed would pass ${Number.MAX_SAFE_INTEGER}; expected a smaller --start or --seeds`);
  const durationMs = timeMs('--duration', values.duration, DEFAULT_DURATION_MS, 200, PHASE_MS_MAX);
  const settleMs = timeMs('--settle', values.settle, DEFAULT_SETTLE_MS, 100, PHASE_MS_MAX);
  const workers = wholeNumber('--workers', values.workers, availableParallelism(), 1);
  const shrinkMs = timeMs('--shrink-time', values['shrink-time'], DEFAULT_SHRINK_MS, 0);
  const outDir = values.out ?? 'fuzz-out';
  const shard = parseShard(values.shard);
  checkOutDir(outDir);

  const config: CampaignConfig = { kind, pinned, allowed: allow.map((a) => ALLOWABLE[a]!), durationMs, settleMs };
  // The first seed's world, loaded: a pinned option it refuses is a usage error before any seed runs.
  firstScenario(config, start);
  const header: CampaignHeader = { raftsim: 'fuzz', model: kind, options: pinned, allow, durationMs, settleMs, start, seeds };
  const slice = shard === null ? { start, count: seeds } : shardRange(start, seeds, shard.index, shard.of);

  // The progress line: on a terminal only, on stderr, at most a few times a second.
  const progressTty = io === processIo && process.stderr.isTTY === true;
  const began = performance.now();
  let lastDraw = 0;
  const progress = (done: number, failed: number) => {
    if (!progressTty) return;
    const now = performance.now();
    if (now - lastDraw < 200 && done < slice.count) return;
    lastDraw = now;
    const rate = (done / (now - began)) * 1000;
    const left = rate > 0 ? (slice.count - done) / rate : 0;
    process.stderr.write(`\r\x1b[2K${done}/${slice.count} seeds  ${rate.toFixed(0)}/s  ${failed} failed  ${left.toFixed(0)} s left`);
  };
  let stopped = false;
  const onSigint = () => {
    stopped = true;
  };
  process.on('SIGINT', onSigint);
  const jsonl = values.jsonl === undefined ? null : openOutput('--jsonl', values.jsonl);
  try {
    if (jsonl !== null) writeSync(jsonl, headerLine(header));
    const outcome = await runCampaign(config, slice, workers, {
      onResult: (r) => {
        if (jsonl !== null) writeSync(jsonl, seedLine(r));
      },
      onProgress: progress,
      stopped: () => stopped,
    });
    if (progressTty) process.stderr.write('\r\x1b[2K');
    const wallMs = performance.now() - began;
    const shrunk = stopped ? [] : shrinkFailures(outcome.results, config, header, outDir, shrinkMs, () => stopped, io);
    const reported = shard === null ? header : { ...header, start: slice.start, seeds: slice.count };
    io.out(campaignReport({ header: reported, results: outcome.results, workers, wallMs, interrupted: outcome.interrupted, shrunk }));
    if (values.junit !== undefined) writeJunit(values.junit, fuzzJunit(reported, outcome.results, shrunk));
    if (stopped && shrunk.length === 0 && outcome.results.some((r) => !r.ok)) io.out(`not shrunk: stopped by Ctrl-C (replay a seed above, or run again with --start and --seeds to shrink it)\n`);
    if (outcome.results.some((r) => !r.ok)) return EXIT_VIOLATION;
    return outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
    if (jsonl !== null) closeSync(jsonl);
  }
}

// ---------------------------------------------------------------- flags

/** `--options reads=lease,bugs=a+b` (repeatable): values as YAML would read them. */
export function parseOptions(texts: readonly string[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const text of texts) {
    for (const part of text.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`--options: "${part}" is not KEY=VALUE; expected e.g. reads=lease or bugs=forget-vote`);
      const key = part.slice(0, eq).trim();
      const raw = part.slice(eq + 1).trim();
      if (key === 'kind' || key === 'name') throw new UsageError(`--options: ${key} is not a model option (use --model for the kind)`);
      if (key === 'bugs' || key === 'members') out[key] = raw === '' ? [] : raw.split('+').map((s) => s.trim());
      else if (Object.hasOwn(MAP_OPTIONS, key)) out[key] = parseMap(key, raw);
      else if (raw === 'true' || raw === 'false') out[key] = raw === 'true';
      else if (raw !== '' && Number.isFinite(Number(raw))) out[key] = Number(raw);
      else out[key] = raw;
    }
  }
  return out;
}

/**
 * The options whose value is a mapping of node name to a value in a scenario
 * (docs/scenario-format.md), with an example of each as `--options` takes it:
 * `NODE:VALUE` pairs joined by `+`, each value read as a scalar option's is.
 */
const MAP_OPTIONS: Readonly<Record<string, string>> = {
  clockDrift: 'clockDrift=n1:0.05+n2:-0.05',
  clockOffset: 'clockOffset=n3:-50ms+n1:20ms',
  cascade: 'cascade=n3:n2+n4:n3',
};

/** The nodes of a fuzzed world are n1, n2, …: a map naming another node could load in no world. */
const NODE_NAME = /^n[1-9]\d*$/;

function parseMap(key: string, raw: string): Record<string, number | string> {
  const map: Record<string, number | string> = {};
  const expected = `expected NODE:VALUE pairs joined by +, e.g. ${MAP_OPTIONS[key]}`;
  for (const pair of raw.split('+')) {
    const colon = pair.indexOf(':');
    const node = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    if (colon <= 0 || node === '' || value === '') throw new UsageError(`--options: ${key}=${raw}: "${pair}" is not NODE:VALUE; ${expected}`);
    if (!NODE_NAME.test(node)) throw new UsageError(`--options: ${key}=${raw}: "${node}" is not a node of a fuzzed world; expected a node name n1, n2, … (a world of N nodes has n1 to nN)`);
    if (node in map) throw new UsageError(`--options: ${key}=${raw}: ${node} is named twice; ${expected}`);
    map[node] = Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return map;
}

function parseAllow(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of texts.flatMap((t) => t.split(',')).map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(name in ALLOWABLE)) throw new UsageError(`--allow: "${name}" is not a figure the fuzzer judges; expected some of: ${Object.keys(ALLOWABLE).join(', ')}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) throw new UsageError(`${flag}: "${text}" is not valid; expected a whole number of at least ${min}`);
  return Number(text);
}

/**
 * The longest safety or liveness phase. A world's faults and drawn options
 * grow with it: past about 17 h a drawn option leaves what a scenario allows,
 * and drawing a world of 12 h alone takes over a minute (of 1 h, a few
 * seconds) — far beyond what a campaign of many seeds is for.
 */
const PHASE_MS_MAX = 3_600_000;

function timeMs(flag: string, text: string | undefined, fallback: number, minMs: number, maxMs = Infinity): number {
  if (text === undefined) return fallback;
  const us = parseDuration(text);
  const range = maxMs === Infinity ? `of at least ${formatUs(minMs * 1000)}` : `from ${formatUs(minMs * 1000)} to ${maxMs % 3_600_000 === 0 ? `${maxMs / 3_600_000}h` : formatUs(maxMs * 1000)}`;
  if (us === null || us % 1000 !== 0 || us / 1000 < minMs || us / 1000 > maxMs) throw new UsageError(`${flag}: "${text}" is not valid; expected a time ${range} in whole milliseconds, e.g. 5s or 800ms`);
  return us / 1000;
}

function parseShard(text: string | undefined): { index: number; of: number } | null {
  if (text === undefined) return null;
  const m = /^(\d+|auto)\/(\d+)$/.exec(text);
  if (m === null) throw new UsageError(`--shard: "${text}" is not I/N; expected e.g. 1/4 (the first of four slices) or auto/4`);
  const of = Number(m[2]);
  if (of < 1) throw new UsageError(`--shard: ${text}: N must be at least 1`);
  let index: number;
  if (m[1] === 'auto') {
    const env = process.env['JOB_COMPLETION_INDEX'];
    if (env === undefined || !/^\d+$/.test(env)) throw new UsageError(`--shard auto/${of}: JOB_COMPLETION_INDEX is ${env === undefined ? 'not set' : `"${env}"`}; expected the 0-based index of a Kubernetes Indexed Job`);
    index = Number(env) + 1;
  } else index = Number(m[1]);
  if (index < 1 || index > of) throw new UsageError(`--shard: ${text}: I must be between 1 and ${of}`);
  return { index, of };
}

/** The I-th (1-based) of N contiguous, disjoint slices of [start, start + count). */
export function shardRange(start: number, count: number, index: number, of: number): { start: number; count: number } {
  const from = Math.floor(((index - 1) * count) / of);
  const to = Math.floor((index * count) / of);
  return { start: start + from, count: to - from };
}

/** `--out DIR`: a directory, or a name under which one can be made (every existing ancestor a directory). */
function checkOutDir(dir: string): void {
  if (dir === '') throw new UsageError('--out: expected a directory name');
  for (let at = resolve(dir); ; at = dirname(at)) {
    const st = statQuietly(at);
    if (st !== null) {
      if (!st.isDirectory()) throw new UsageError(`--out: ${at === resolve(dir) ? dir : `${at} (in ${dir})`} is a file; expected a directory (it is made when missing)`);
      return;
    }
    if (dirname(at) === at) return;
  }
}

function openOutput(flag: string, path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    throw new UsageError(`${flag}: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The first seed's world, loaded: a configuration that does not load is a bad option value, the user's, named as theirs. */
function firstScenario(config: CampaignConfig, seed: number): Scenario {
  try {
    return worldScenario(worldOf(seed, config), '--options');
  } catch (error) {
    if (error instanceof InputError) {
      const pinned = optionsText(config.pinned);
      // A world that does not load with no option pinned comes of the phases' lengths, not of --options.
      const flags = pinned === '' ? `--duration ${formatUs((config.durationMs ?? DEFAULT_DURATION_MS) * 1000)} --settle ${formatUs((config.settleMs ?? DEFAULT_SETTLE_MS) * 1000)}: the worlds drawn cannot be run` : `--options ${pinned}`;
      throw new UsageError(`${flags}: ${error.diagnostics.map((d) => d.message).join('; ')}`);
    }
    throw error;
  }
}

// ---------------------------------------------------------------- shrinking

function shrinkFailures(results: readonly SeedResult[], config: CampaignConfig, header: CampaignHeader, outDir: string, shrinkMs: number, stopped: () => boolean, io: CliIo): Shrunk[] {
  const firsts = new Map<string, SeedResult>();
  for (const r of results) {
    if (r.ok) continue;
    const key = r.failures[0]!.key;
    if (!firsts.has(key) && firsts.size < SHRINK_MAX) firsts.set(key, r);
  }
  const out: Shrunk[] = [];
  // A broken safety invariant says most about a bug: those are shrunk (and listed) first.
  const order = [...firsts].sort(([a], [b]) => Number(!a.startsWith('invariant:')) - Number(!b.startsWith('invariant:')));
  for (const [key, r] of order) {
    const original = worldOf(r.seed, config);
    const failure = r.failures[0]!;
    if (io === processIo && process.stderr.isTTY === true) process.stderr.write(`shrinking seed ${r.seed} (${failure.what})…`);
    const result = shrinkMs > 0 ? shrinkWorld(original, config.pinned, stillFailsOnlyWithBugs(key, config), { timeMs: shrinkMs, now: () => (stopped() ? Infinity : performance.now()) }, { keepSettle: key === 'promise:converges' }) : { world: original, runs: 0, fixpoint: false, steps: [] };
    if (io === processIo && process.stderr.isTTY === true) process.stderr.write('\r\x1b[2K');
    const final = runWorld(result.world, config).result.failures.find((f) => f.key === key) ?? failure;
    const withoutBugs = bugFreeVerdict(result.world, config);
    mkdirSync(outDir, { recursive: true });
    const file = freeName(join(outDir, `${config.kind}-seed-${r.seed}.yaml`));
    const how = shrinkMs === 0 ? 'not shrunk (--shrink-time 0)' : `shrunk in ${result.runs} runs, ${result.fixpoint ? 'to a fixpoint (no single step makes it smaller)' : `stopped by --shrink-time ${formatUs(shrinkMs * 1000)} (smaller may exist)`}`;
    const shape = `${result.world.faults.length} fault${result.world.faults.length === 1 ? '' : 's'}, ${result.world.nodes} nodes, ${result.world.workload.clients} client${result.world.workload.clients === 1 ? '' : 's'}, ${formatUs(result.world.durationMs * 1000)} + ${formatUs(result.world.settleMs * 1000)} settle`;
    const from = `${original.faults.length} faults, ${original.nodes} nodes, ${original.workload.clients} clients`;
    writeFileSync(file, shrunkText(result.world, final, header, r.seed, file, `from ${from} to ${shape}; ${how}`, withoutBugs), { flag: 'wx' });
    out.push({ seed: r.seed, key, what: failure.what, file, summary: `${shape} (from ${from}); ${how}${withoutBugs === null ? '' : `; ${withoutBugs}`}` });
    if (stopped()) break;
  }
  return out;
}

/** With the bug switches removed, does the same world pass? null when there are none. */
function bugFreeVerdict(world: World, config: CampaignConfig): string | null {
  const bugs = world.options['bugs'];
  if (!Array.isArray(bugs) || bugs.length === 0) return null;
  const clean = runWorld(withoutBugs(world), config).result;
  if (!clean.ok) return `still fails without bugs=${bugs.join('+')}: ${clean.failures[0]!.what}`;
  const withdrawn = clean.withdrawn ?? [];
  return withdrawn.length === 0 ? `passes without bugs=${bugs.join('+')}` : `passes without bugs=${bugs.join('+')}, with ${withdrawn.map((k) => k.replace('promise:', '')).join(', ')} not promised there`;
}

/** `path`, or `path` with -2, -3, ... before the extension when it exists: a file already there is never overwritten. */
function freeName(path: string): string {
  if (!existsSync(path)) return path;
  for (let i = 2; ; i++) {
    const candidate = path.replace(/\.yaml$/, `-${i}.yaml`);
    if (!existsSync(candidate)) return candidate;
  }
}

function shrunkText(world: World, failure: Failure, header: CampaignHeader, seed: number, file: string, how: string, withoutBugs: string | null): string {
  const healed = world.stragglers.length === 0 ? `every fault healed at ${formatUs(world.durationMs * 1000)}` : `every fault healed at ${formatUs(world.durationMs * 1000)} but on the stragglers ${world.stragglers.join(', ')}, left down or deaf`;
  const phase = failure.phase === 'safety' ? 'in the safety phase (under faults)' : `in the liveness phase (${healed}, ${formatUs(world.settleMs * 1000)} to converge)`;
  const when = failure.key.startsWith('promise:') ? ' (a promise, judged on the whole run)' : '';
  const at = failure.key.startsWith('promise:') ? '' : `, at ${formatUs(Math.round(failure.atMs * 1000))}`;
  const reseeded = world.seed === seed ? '' : ` It runs with seed ${world.seed}: the smaller world shows the bug with that seed, not ${seed}.`;
  const description =
    `Found by raftsim fuzz (seed ${seed}) and shrunk.${reseeded} Breaks ${failure.what}${when} ${phase}${at}: ${failure.detail}${/[.!?)]$/.test(failure.detail) && !failure.detail.endsWith('linearizableFailure)') ? '' : '.'}` +
    ` The expect line states what the configuration promises and fails.` +
    (withoutBugs === null ? '' : ` The same world ${withoutBugs}.`);
  const [field, value] = failure.expect;
  return worldYaml(world, {
    name: `fuzz-${world.kind}-seed-${seed}`,
    header: [
      `Shrunk by raftsim fuzz: ${how}.`,
      'Replay (the terminal UI on a terminal; --ui text for the report):',
      `  raftsim run ${file}`,
      'The original world:',
      `  ${replayCommand(header, seed)}`,
    ],
    description,
    expect: { [field]: value },
  });
}

// ---------------------------------------------------------------- merge

interface ParsedFile {
  readonly header: CampaignHeader;
  readonly results: SeedResult[];
}

/** The JUnit file, written whole through a temporary file beside it, so a CI system never reads half of one. */
function writeJunit(path: string, xml: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, xml);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new UsageError(`--junit: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function mergeCommand(files: readonly string[], jsonlOut: string | undefined, io: CliIo, junitOut?: string): number {
  if (files.length === 0) throw new UsageError("--merge: expected one or more --jsonl files of a campaign's shards; see 'raftsim fuzz --help'");
  if (jsonlOut !== undefined && files.some((f) => samePath(f, jsonlOut))) throw new UsageError(`--jsonl: ${jsonlOut} is one of the files being merged; expected another file`);
  if (junitOut !== undefined && files.some((f) => samePath(f, junitOut))) throw new UsageError(`--junit: ${junitOut} is one of the files being merged; expected another file`);
  const parsed = files.map(readJsonl);
  const header = parsed[0]!.header;
  const headerText = headerLine(header);
  parsed.forEach((p, i) => {
    if (headerLine(p.header) !== headerText) throw InputError.at(files[i]!, 1, 1, `this campaign differs from ${files[0]}'s (model, options, allow, phases or seed range); expected shards of one campaign`);
  });
  const bySeed = new Map<number, { result: SeedResult; line: string; file: string }>();
  parsed.forEach((p, i) => {
    for (const r of p.results) {
      const line = seedLine(r);
      const seen = bySeed.get(r.seed);
      if (seen !== undefined && seen.line !== line) throw InputError.at(files[i]!, 0, 0, `seed ${r.seed} is also in ${seen.file} with a different result; expected the same result from every run of a seed`);
      bySeed.set(r.seed, { result: r, line, file: files[i]! });
    }
  });
  const missing: number[] = [];
  for (let s = header.start; s < header.start + header.seeds; s++) if (!bySeed.has(s)) missing.push(s);
  const results = [...bySeed.values()].map((e) => e.result).sort((a, b) => a.seed - b.seed);
  if (jsonlOut !== undefined) writeFileSync(jsonlOut, headerText + results.map(seedLine).join(''));
  const config: CampaignConfig = { kind: header.model, pinned: header.options, allowed: header.allow.map((a) => ALLOWABLE[a]!), durationMs: header.durationMs, settleMs: header.settleMs };
  io.out(campaignReport({ header, results }));
  if (junitOut !== undefined) writeJunit(junitOut, fuzzJunit(header, results, []));
  if (missing.length > 0) {
    io.err(`raftsim: --merge: ${missing.length} of the campaign's ${header.seeds} seeds are in none of the files (${ranges(missing)}): a shard did not finish, or is missing\n`);
    return results.some((r) => !r.ok) ? EXIT_VIOLATION : EXIT_BAD_INPUT;
  }
  return results.some((r) => !r.ok) ? EXIT_VIOLATION : EXIT_OK;
}

function ranges(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    parts.push(i === j ? `${seeds[i]}` : `${seeds[i]}..${seeds[j]}`);
    i = j + 1;
    if (parts.length >= 5 && i < seeds.length) {
      parts.push('…');
      break;
    }
  }
  return parts.join(', ');
}

function readJsonl(file: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    throw InputError.at(file, 0, 0, `cannot read: ${why}; expected a --jsonl file written by raftsim fuzz`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw InputError.at(file, 1, 1, 'the file is empty; expected the --jsonl output of raftsim fuzz');
  const header = parseLine(file, lines[0]!, 1) as Partial<CampaignHeader>;
  if (header.raftsim !== 'fuzz' || typeof header.model !== 'string' || typeof header.start !== 'number' || typeof header.seeds !== 'number') {
    throw InputError.at(file, 1, 1, 'not a raftsim fuzz header; expected the first line of a --jsonl file written by raftsim fuzz');
  }
  const results: SeedResult[] = [];
  for (let i = 1; i < lines.length; i++) {
    const r = parseLine(file, lines[i]!, i + 1) as Partial<SeedResult>;
    if (typeof r.seed !== 'number' || typeof r.ok !== 'boolean' || !Array.isArray(r.failures)) throw InputError.at(file, i + 1, 1, 'not a seed result; expected {"seed": N, "ok": true|false, "failures": [...], ...}');
    results.push(r as SeedResult);
  }
  return { header: header as CampaignHeader, results };
}

function parseLine(file: string, line: string, n: number): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    const m = /position (\d+)/.exec(error instanceof Error ? error.message : '');
    throw InputError.at(file, n, m === null ? 1 : Number(m[1]) + 1, `not JSON (${error instanceof Error ? error.message.replace(/ in JSON at position \d+.*$/, '') : String(error)}); expected one JSON object per line`);
  }
}
