import type { Expectation } from '../scenario/types.ts';

export interface ExpectationResult {
  readonly model: string;
  readonly field: string;
  readonly want: string;
  readonly got: unknown;
  readonly ok: boolean;
}

/** Checks each `expect` line against the model's summary; a list field (`violations`) compares its length. */
export function evaluateExpectations(expectations: readonly Expectation[], summaries: Readonly<Record<string, object>>): ExpectationResult[] {
  return expectations.map((e) => {
    const summary = summaries[e.model] as Record<string, unknown> | undefined;
    const raw = summary?.[e.field];
    const got = Array.isArray(raw) ? raw.length : raw;
    return { model: e.model, field: e.field, want: e.want, got: got ?? null, ok: compare(got ?? null, e.op, e.value) };
  });
}

function compare(got: unknown, op: Expectation['op'], want: Expectation['value']): boolean {
  switch (op) {
    case '==':
      return got === want;
    case '!=':
      return got !== want;
  }
  if (typeof got !== 'number' || typeof want !== 'number') return false;
  switch (op) {
    case '>':
      return got > want;
    case '>=':
      return got >= want;
    case '<':
      return got < want;
    case '<=':
      return got <= want;
  }
}
