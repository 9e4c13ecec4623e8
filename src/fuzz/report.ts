/**
 * The campaign's text report, the `--jsonl` lines and their merge. The
 * report is computed from the results alone, so a merge of shards prints
 * what one machine running the whole range would have printed.
 */
import { formatUs } from '../core/time.ts';
import { PROMISE_NAMES, type PromiseKey } from '../run/promises.ts';
import { FUZZ_PROMISE_ORDER, type Failure } from './judge.ts';
import type { CampaignConfig, SeedResult } from './seed.ts';
import { fewestNodes, type OptionValue } from './world.ts';

/** The first line of a `--jsonl` file: the campaign, so that a merge can check its shards belong together. */
export interface CampaignHeader {
  readonly raftsim: 'fuzz';
  readonly model: string;
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly allow: readonly string[];
  readonly durationMs: number;
  readonly settleMs: number;
  /** The whole range, shards included: every shard's file has the same header. */
  readonly start: number;
  readonly seeds: number;
}

export function headerLine(h: CampaignHeader): string {
  return JSON.stringify(h) + '\n';
}

export function seedLine(r: SeedResult): string {
  return JSON.stringify(r) + '\n';
}

/** `k=v,k2=a+b`: options as `--options` takes them. */
export function optionsText(options: Readonly<Record<string, OptionValue>>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : typeof v === 'object' ? Object.entries(v).map(([a, b]) => `${a}:${b}`).join('+') : String(v)}`)
    .join(',');
}

/** The command that reruns `seed` of this campaign alone. */
export function replayCommand(h: CampaignHeader, seed: number): string {
  const parts = ['raftsim fuzz'];
  if (h.model !== 'raft') parts.push(`--model ${h.model}`);
  const options = optionsText(h.options);
  if (options !== '') parts.push(`--options ${options}`);
  if (h.allow.length > 0) parts.push(`--allow ${h.allow.join(',')}`);
  if (h.durationMs !== 5000) parts.push(`--duration ${formatUs(h.durationMs * 1000)}`);
  if (h.settleMs !== 3000) parts.push(`--settle ${formatUs(h.settleMs * 1000)}`);
  parts.push(`--start ${seed} --seeds 1`);
  return parts.join(' ');
}

export function failureLine(f: Failure): string {
  const detail = f.detail.length > 160 ? `${f.detail.slice(0, 160)}…` : f.detail;
  // A broken promise is judged on the whole history, at the end: its time says nothing.
  const when = f.key.startsWith('promise:') ? '' : `, at ${formatUs(Math.round(f.atMs * 1000))}`;
  return `${f.what} (${f.phase} phase${when}): ${detail}`;
}

export interface Shrunk {
  readonly seed: number;
  readonly key: string;
  readonly what: string;
  readonly file: string;
  readonly summary: string;
}

export interface ReportInput {
  readonly header: CampaignHeader;
  readonly results: readonly SeedResult[];
  readonly workers?: number;
  readonly wallMs?: number;
  readonly interrupted?: boolean;
  readonly shrunk?: readonly Shrunk[];
  /** Shown seed by seed: the first this many failing seeds. */
  readonly listMax?: number;
}

/** The node counts worlds are drawn with: 3, 5 or 7, but never fewer than a pinned replica count needs. */
function worldSizes(options: Readonly<Record<string, OptionValue>>): string {
  const least = fewestNodes(options);
  const sizes = [3, 5, 7].filter((n) => n >= least);
  if (sizes.length === 0) return String(least);
  return sizes.length === 1 ? String(sizes[0]) : `${sizes.slice(0, -1).join(', ')} or ${sizes[sizes.length - 1]}`;
}

/**
 * What the campaign held its seeds to, from the seeds' own results (each
 * records what its world promised, less what was withdrawn for the run or
 * allowed): a list when every seed was held to the same promises; else each
 * promise with the share of seeds held to it — a leaderless campaign draws
 * N, W, R, read repair, sloppy quorums, anti-entropy and conflicts per world,
 * so its worlds promise different things.
 */
function heldTo(results: readonly SeedResult[]): string {
  const known = results.filter((r) => r.promised !== undefined);
  if (known.length === 0 || known.length < results.length) return "what each world's configuration promises (docs/promises.md), and its safety invariants";
  const count = (key: PromiseKey) => known.filter((r) => r.promised!.includes(`promise:${key}`)).length;
  const counted = FUZZ_PROMISE_ORDER.map((key) => ({ name: PROMISE_NAMES[key], seeds: count(key) })).filter((p) => p.seeds > 0);
  if (counted.every((p) => p.seeds === known.length)) return counted.length === 0 ? 'nothing but its safety invariants' : `${counted.map((p) => p.name).join(', ')}, and its safety invariants`;
  const shares = counted.map((p) => (p.seeds === known.length ? `${p.name} (every seed)` : `${p.name} (${p.seeds} of ${known.length} seeds)`));
  return `what each world's configuration promises (docs/promises.md): ${shares.join(', ')}; and its safety invariants`;
}

/** The report after a campaign or a merge. */
export function campaignReport(input: ReportInput): string {
  const { header: h, results } = input;
  const lines: string[] = [];
  const failed = results.filter((r) => !r.ok);
  const range = `${h.start}..${h.start + h.seeds - 1}`;
  const opts = optionsText(h.options);
  lines.push(`raftsim fuzz  model ${h.model}${opts === '' ? '' : `  options ${opts}`}  seeds ${range}${input.workers !== undefined ? `  ${input.workers} worker${input.workers === 1 ? '' : 's'}` : ''}`);
  lines.push(`worlds: ${worldSizes(h.options)} nodes; ${formatUs(h.durationMs * 1000)} under faults (safety phase), then ${formatUs(h.settleMs * 1000)} with every fault healed, in which the cluster must converge (liveness phase)`);
  lines.push(`held to: ${heldTo(results)}${h.allow.length > 0 ? `; allowed: ${h.allow.join(', ')}` : ''}`);
  if (Array.isArray(h.options['bugs']) && h.options['bugs'].length > 0) lines.push(`  (held to what the configuration promises without its bug switches: the fuzzer should find ${h.options['bugs'].join(', ')})`);
  lines.push('');
  const rate = input.wallMs !== undefined && input.wallMs > 0 ? ` in ${(input.wallMs / 1000).toFixed(1)} s (${((results.length / input.wallMs) * 1000).toFixed(0)} seeds/s)` : '';
  const of = results.length < h.seeds ? ` of ${h.seeds}` : '';
  lines.push(`${results.length}${of} seeds${rate}: ${failed.length === 0 ? 'no failing seed' : `${failed.length} failed`}${input.interrupted === true ? ' — interrupted (Ctrl-C): the seeds run so far' : ''}`);
  const undecided = results.filter((r) => r.undecided.length > 0).length;
  if (undecided > 0) lines.push(`  ${undecided} seed${undecided === 1 ? '' : 's'} left a promise undecided (the linearizability check gave up); not counted as failures`);
  if (failed.length > 0) {
    // By what broke, most frequent first.
    const byKey = new Map<string, { what: string; phase: string; seeds: number[] }>();
    for (const r of failed) {
      for (const f of r.failures) {
        const e = byKey.get(f.key) ?? { what: f.what, phase: f.phase, seeds: [] };
        e.seeds.push(r.seed);
        byKey.set(f.key, e);
      }
    }
    const width = Math.max(...[...byKey.values()].map((e) => e.what.length));
    for (const e of [...byKey.values()].sort((a, b) => b.seeds.length - a.seeds.length)) {
      lines.push(`  ${e.what.padEnd(width)}  ${String(e.seeds.length).padStart(5)} seed${e.seeds.length === 1 ? ' ' : 's'}  ${e.phase} phase  first: seed ${e.seeds[0]}`);
    }
    const listMax = input.listMax ?? 10;
    lines.push('');
    lines.push(`failing seeds${failed.length > listMax ? ` (the first ${listMax} of ${failed.length}; --jsonl keeps every one)` : ''}:`);
    for (const r of failed.slice(0, listMax)) {
      lines.push(`  seed ${r.seed}  ${failureLine(r.failures[0]!)}`);
      for (const f of r.failures.slice(1, 3)) lines.push(`    also ${failureLine(f)}`);
      if (r.failures.length > 3) lines.push(`    and ${r.failures.length - 3} more`);
      lines.push(`    replay: ${replayCommand(h, r.seed)}`);
    }
  }
  if (input.shrunk !== undefined && input.shrunk.length > 0) {
    lines.push('');
    lines.push('shrunk (the smallest world found that still breaks the same rule):');
    for (const s of input.shrunk) {
      lines.push(`  ${s.what}: seed ${s.seed} → ${s.file}`);
      lines.push(`    ${s.summary}`);
      lines.push(`    replay: raftsim run ${s.file}`);
    }
  }
  return lines.join('\n') + '\n';
}
