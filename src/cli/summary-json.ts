import type { ModelSummary, RunResult } from '../run/run.ts';

/** The `--json` object: its fields are in docs/command-line.md and docs/figures.md. */
export function summaryJson(result: RunResult): {
  scenario: string;
  seed: number;
  durationMs: number;
  untilMs?: number;
  models: Record<string, ModelSummary & { linearizableFailure?: unknown }>;
  expectations: RunResult['expectations'];
} {
  return {
    scenario: result.scenario,
    seed: result.seed,
    durationMs: result.durationMs,
    ...(result.untilMs !== undefined ? { untilMs: result.untilMs } : {}),
    models: Object.fromEntries(
      result.runs.map((run) => [
        run.name,
        run.linearizability.failure === undefined ? run.summary : { ...run.summary, linearizableFailure: run.linearizability.failure },
      ]),
    ),
    expectations: result.expectations,
  };
}
