/**
 * Seed sweep: runs scenarios over many seeds, in this process, and reports
 * every (scenario, model, seed) that broke what the scenario expects of it
 * (its `expect` lines) or a safety invariant (its `violations`).
 *
 *     npx tsx scripts/sweep.ts [FILE...] [--seeds N] [--start S] [--model NAME]... [--json]
 *     npm run -s sweep -- test/adversarial/fault-storm-7.yaml --seeds 200
 *
 * Without FILE it sweeps every scenario in test/adversarial/. Each failing
 * seed is printed with why it failed and the command that replays it; the
 * last line is "N passed, M failed" (one count per scenario × model × seed).
 * Exit 0 when nothing failed, 1 when something did, 2 for bad input.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, UsageError } from '../src/core/errors.ts';
import { runScenario, type ModelRun } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import type { Scenario } from '../src/scenario/types.ts';
import type { ExpectationResult } from '../src/run/expect.ts';

export interface SeedFailure {
  readonly seed: number;
  /** Why, one short phrase each: failed expect lines, violations, a crash of the simulator. */
  readonly reasons: readonly string[];
}

export interface ModelSweep {
  readonly model: string;
  readonly seeds: number;
  readonly failures: readonly SeedFailure[];
}

export interface ScenarioSweep {
  readonly file: string;
  readonly scenario: string;
  readonly models: readonly ModelSweep[];
}

export interface SweepOptions {
  readonly seeds: number;
  readonly start: number;
  /** Only these models; every model of the scenario when absent. */
  readonly models?: readonly string[];
  /** Told after each seed, for progress. */
  readonly onSeed?: (seed: number) => void;
}

const DETAIL_MAX = 200;

/** Why one model's run of one seed failed; empty when it kept every expectation and broke no invariant. */
export function failureReasons(run: ModelRun, expectations: readonly ExpectationResult[]): string[] {
  const reasons: string[] = [];
  for (const e of expectations) {
    if (e.model !== run.name || e.ok) continue;
    const got = e.field === 'linearizable' && e.got === null ? `null (undecided${run.summary.linearizableNote ? `: ${run.summary.linearizableNote}` : ''})` : String(e.got);
    reasons.push(`${e.field} ${got}, expected ${e.want}`);
  }
  const violations = run.summary.violations;
  // Named even when an expect line already counted them: the invariant and its first instance are the lead to follow.
  const byInvariant = new Map<string, { count: number; first: (typeof violations)[number] }>();
  for (const v of violations) {
    const seen = byInvariant.get(v.invariant);
    if (seen === undefined) byInvariant.set(v.invariant, { count: 1, first: v });
    else seen.count++;
  }
  for (const [invariant, { count, first }] of byInvariant) {
    const detail = first.detail.length > DETAIL_MAX ? `${first.detail.slice(0, DETAIL_MAX)}…` : first.detail;
    reasons.push(`violation ${invariant}${count > 1 ? ` ×${count}` : ''} at ${first.atMs}ms: ${detail}`);
  }
  return reasons;
}

/** Runs `scenario` for seeds start .. start+seeds-1 and collects, per model, the seeds that failed. */
export function sweepScenario(scenario: Scenario, options: SweepOptions): ScenarioSweep {
  const names = options.models ?? scenario.models.map((m) => m.name);
  const failures = new Map<string, SeedFailure[]>(names.map((n) => [n, []]));
  for (let seed = options.start; seed < options.start + options.seeds; seed++) {
    let result;
    try {
      result = runScenario(scenario, { seed, models: names });
    } catch (error) {
      // One model threw; run each alone so the others still count and the culprit is named.
      for (const name of names) {
        try {
          const alone = runScenario(scenario, { seed, models: [name] });
          const reasons = failureReasons(alone.runs[0]!, alone.expectations);
          if (reasons.length > 0) failures.get(name)!.push({ seed, reasons });
        } catch (inner) {
          failures.get(name)!.push({ seed, reasons: [`threw ${inner instanceof Error ? (inner.stack ?? inner.message).split('\n').slice(0, 3).join(' | ') : String(inner)}`] });
        }
      }
      void error;
      options.onSeed?.(seed);
      continue;
    }
    for (const run of result.runs) {
      const reasons = failureReasons(run, result.expectations);
      if (reasons.length > 0) failures.get(run.name)!.push({ seed, reasons });
    }
    options.onSeed?.(seed);
  }
  return {
    file: scenario.file,
    scenario: scenario.name,
    models: names.map((model) => ({ model, seeds: options.seeds, failures: failures.get(model)! })),
  };
}

// ---------------------------------------------------------------- command line

interface Args {
  files: string[];
  seeds: number;
  start: number;
  models?: string[];
  json: boolean;
  help?: boolean;
}

const USAGE = 'usage: sweep [FILE...] [--seeds N] [--start S] [--model NAME]... [--json]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { files: [], seeds: 200, start: 1, json: false };
  const whole = (flag: string, value: string | undefined, min: number): number => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(`${flag} needs a whole number of at least ${min}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}; ${USAGE}`);
    }
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--seeds') args.seeds = whole(arg, argv[++i], 1);
    else if (arg === '--start') args.start = whole(arg, argv[++i], 0);
    else if (arg === '--model') {
      const name = argv[++i];
      if (name === undefined || name.startsWith('--')) throw new UsageError(`--model needs a model name; ${USAGE}`);
      (args.models ??= []).push(name);
    } else if (arg === '--json') args.json = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}; ${USAGE}`);
    else args.files.push(arg);
  }
  return args;
}

function defaultFiles(): string[] {
  const dir = join(import.meta.dirname, '..', 'test', 'adversarial');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => relative(process.cwd(), join(dir, f)));
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function main(argv: readonly string[]): number {
  let args: Args;
  let scenarios: Scenario[];
  try {
    args = parseArgs(argv);
    if (args.help === true) {
      process.stdout.write(`${USAGE}\n(see docs/sweeping.md)\n`);
      return 0;
    }
    const files = args.files.length > 0 ? args.files : defaultFiles();
    scenarios = files.map((file) => loadScenario(file));
    for (const s of scenarios) {
      for (const m of args.models ?? []) {
        if (!s.models.some((spec) => spec.name === m)) {
          throw new UsageError(`${s.file} has no model "${m}"; expected one of: ${s.models.map((spec) => spec.name).join(', ')}`);
        }
      }
    }
  } catch (error) {
    if (error instanceof InputError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof UsageError) process.stderr.write(`sweep: ${error.message}\n`);
    else throw error;
    return 2;
  }

  const out = (text: string) => void process.stdout.write(text);
  const progress = process.stderr.isTTY === true && !args.json;
  const results: ScenarioSweep[] = [];
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    const started = performance.now();
    const sweep = sweepScenario(scenario, {
      seeds: args.seeds,
      start: args.start,
      ...(args.models !== undefined ? { models: args.models } : {}),
      ...(progress ? { onSeed: (seed: number) => void process.stderr.write(`\r${scenario.file}: seed ${seed}/${args.start + args.seeds - 1}`) } : {}),
    });
    if (progress) process.stderr.write('\r\x1b[K');
    results.push(sweep);
    const last = args.start + args.seeds - 1;
    if (!args.json) out(`${scenario.file} (${scenario.name}), seeds ${args.start}..${last}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    for (const m of sweep.models) {
      passed += m.seeds - m.failures.length;
      failed += m.failures.length;
      if (args.json) continue;
      out(`  ${pad(m.model, 20)} ${m.failures.length === 0 ? 'ok' : `${m.failures.length}/${m.seeds} failed`}\n`);
      for (const f of m.failures) {
        out(`    seed ${f.seed}: ${f.reasons.join('; ')}\n`);
        out(`      replay: raftsim run ${scenario.file} --seed ${f.seed} --model ${m.model}\n`);
      }
    }
  }
  if (args.json) {
    out(`${JSON.stringify({ seeds: args.seeds, start: args.start, passed, failed, scenarios: results })}\n`);
    return failed > 0 ? 1 : 0;
  }
  out('\nfailures per scenario × model:\n');
  for (const s of results) out(`  ${pad(s.scenario, 34)} ${s.models.map((m) => `${m.model} ${m.failures.length}/${m.seeds}`).join('  ')}\n`);
  out(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
