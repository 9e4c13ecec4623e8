/**
 * `expect:` — per model, summary fields (docs/figures.md) and what they should be:
 * a literal (`0`, `0.95`, `true`) or a comparison written as a string
 * (`">0"`, `">=0.9"`, `"<3"`, `"==0"`, `"!=0"`). A new comparable field is
 * one more entry in EXPECT_FIELDS.
 */
import { z } from 'zod';
import type { Comparison } from './types.ts';
import { mapping } from './fields.ts';

const COMPARISON_PATTERN = /^\s*(==|!=|>=|<=|>|<)?\s*(-?\d+(?:\.\d+)?)\s*$/;
const COMPARISON_EXPECTED = 'a number or a comparison string such as ">0", ">=0.9", "<3", "==0" or "!=0"';

export function numeric(description: string) {
  const err = (iss: z.core.$ZodRawIssue): string => `${showExpect(iss.input)} is not a comparison; expected ${COMPARISON_EXPECTED}`;
  return z
    .union([z.number({ error: err }), z.string({ error: err }).regex(COMPARISON_PATTERN, { error: err })], { error: err })
    .optional()
    .meta({ description: `${description} A number, or a comparison string such as ">0", ">=0.9", "<3", "==0", "!=0".` });
}

function showExpect(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : String(value);
}

function verdictOf(description: string) {
  return z
    .union([z.boolean(), z.null()], {
      error: (iss) => `${showExpect(iss.input)} is not a verdict; expected true, false or null (the check could not finish), compared with ==`,
    })
    .optional()
    .meta({ description });
}

const verdict = verdictOf('Whether the history is linearizable: true, false, or null when the check could not finish.');

/** The summary fields an expectation can name, and what each takes. */
export const EXPECT_FIELDS = {
  availability: numeric('ok / (ok + fail + info) over operations invoked during duration.'),
  linearizable: verdict,
  lostWrites: numeric('ok writes whose value is not in the authoritative log.'),
  staleReads: numeric('ok reads that returned a value already overwritten by an acknowledged write.'),
  dirtyReads: numeric('ok reads that returned a value whose write is not in the authoritative log.'),
  rtoMs: numeric('The longest stretch in which clients tried to write and no write completed, in ms.'),
  leaderChanges: numeric('How many times a node took office as leader or primary, not counting the first.'),
  converged: verdictOf('Whether the cluster converged after settle (a leader or primary, every node holding its log): true or false; null when the run stopped before the end of settle.'),
  violations: numeric('Safety invariant violations; the comparison is on their number.'),
  events: numeric('How many events the simulator processed.'),
} as const;

export type ExpectField = keyof typeof EXPECT_FIELDS;

/** Figures a lesson's fact or answer can name besides the summary fields: the operation counts. */
export const OPERATION_COUNTS = {
  ok: numeric('Operations that completed ok (during duration).'),
  fail: numeric('Operations that failed: known not to have taken effect.'),
  info: numeric('Operations whose outcome the client could not know (a timed-out write may or may not have taken effect).'),
} as const;
const EXPECT_FIELD_NAMES = Object.keys(EXPECT_FIELDS) as ExpectField[];

/** Summary fields that exist but cannot be compared, with the reason. */
const NOT_COMPARABLE: Readonly<Record<string, string>> = {
  ops: '"ops" cannot be compared (it counts ok, fail and info; compare availability)',
  messages: '"messages" cannot be compared (it counts sent, delivered and dropped)',
  kind: '"kind" cannot be compared',
  traceHash: '"traceHash" cannot be compared',
  linearizableNote: '"linearizableNote" cannot be compared',
};

function unknownField(key: string): string {
  const known = `expected one of: ${EXPECT_FIELD_NAMES.join(', ')}`;
  const reason = NOT_COMPARABLE[key];
  return reason === undefined ? `unknown summary field "${key}" in expect; ${known}` : `${reason}; ${known}`;
}

/** The expectations of one model. */
export const expectFieldsSchema = mapping('expect', EXPECT_FIELDS, {
  description: 'Summary fields of this model and what they should be after the run.',
  unknownKey: unknownField,
});

interface ParsedComparison {
  readonly op: Comparison;
  readonly value: number | boolean | null;
  readonly want: string;
}

/** Splits a validated expectation value into operator and operand; `want` is the value as written. */
export function parseComparison(written: number | string | boolean | null): ParsedComparison {
  if (typeof written !== 'string') return { op: '==', value: written, want: String(written) };
  const match = COMPARISON_PATTERN.exec(written);
  if (match === null) throw new Error(`validated comparison does not parse: ${written}`);
  return { op: (match[1] ?? '==') as Comparison, value: Number(match[2]), want: written.trim() };
}
