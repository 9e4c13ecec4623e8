import type { ModelSummary, RunResult } from '../run/run.ts';

/** The `--json` object of contract §4. */
export function summaryJson(result: RunResult): {
  scenario: string;
  seed: number;
  durationMs: number;
  models: Record<string, ModelSummary & { linearizableFailure?: unknown }>;
  expectations: RunResult['expectations'];
} {
  return {
    scenario: result.scenario,
    seed: result.seed,
    durationMs: result.durationMs,
    models: Object.fromEntries(
      result.runs.map((run) => [
        run.name,
        run.linearizability.failure === undefined ? run.summary : { ...run.summary, linearizableFailure: run.linearizability.failure },
      ]),
    ),
    expectations: result.expectations,
  };
}
