/**
 * The building blocks of the scenario schema: one constructor per kind of
 * value (a time, a range, a probability, a whole number, a name, a choice, a
 * mapping, a list). Each carries the error message a user sees when the value
 * is wrong — what was found and what was expected — so that every rule is
 * written once and the JSON Schema for editors comes from the same source.
 */
import { z } from 'zod';
import { parseDuration, parseDurationRange, US_PER_S, type Us, type UsRange } from '../core/time.ts';

/** A step into the YAML document: a mapping key or a list index. */
export type PathSeg = string | number;

/** A problem found after the schema, located by its path in the document. */
export interface Problem {
  readonly path: readonly PathSeg[];
  /** Point at the key of the last path step rather than its value (unknown or misplaced keys). */
  readonly onKey?: boolean;
  readonly message: string;
}

type ErrorMap = z.core.$ZodErrorMap;
type RawIssue = z.core.$ZodRawIssue;

/**
 * Bounds. Every time is at most a day of simulated time: that keeps every
 * microsecond count far inside Number.MAX_SAFE_INTEGER, and no scenario worth
 * running is that long.
 */
export const TIME_US_MAX = 24 * 60 * 60 * US_PER_S;
/** A cluster bigger than this is not what the simulator is for; it keeps runs and tables bounded. */
export const NODES_MAX = 100;
/** Names show in tables, traces and `--model NAME`; a bound keeps columns readable. */
export const NAME_LENGTH_MAX = 40;

// Keep in step with DURATION in src/core/time.ts (a property test checks they accept the same strings).
const TIME_SOURCE = String.raw`\s*\d+(?:\.\d+)?\s*(?:us|ms|s|m|h)?\s*`;
export const TIME_PATTERN = new RegExp(`^${TIME_SOURCE}$`);
const TIME_RANGE_PATTERN = new RegExp(`^${TIME_SOURCE}(?:\\.\\.${TIME_SOURCE})?$`);
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

const TIME_EXPECTED = 'e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds';
const RANGE_EXPECTED = 'A..B with A <= B (e.g. 150ms..300ms) or a single time (e.g. 10ms)';

/** Characters of a string value quoted in a message; a longer one is cut, so that the message stays one short line. */
const SHOWN_CHARS_MAX = 60;

/** Names for an `expected one of:` list; a long list is cut after a dozen. */
export function choices(names: readonly string[]): string {
  const LISTED_MAX = 12;
  return names.length <= LISTED_MAX ? names.join(', ') : `${names.slice(0, LISTED_MAX).join(', ')}, ...`;
}

/** How a value found in the file reads in a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    if (value.length <= SHOWN_CHARS_MAX) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, SHOWN_CHARS_MAX)).slice(0, -1)}…" (${value.length} characters)`;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const ITEM_LABEL: Readonly<Record<string, string>> = { models: 'model', faults: 'fault', nodes: 'node', notes: 'note' };

/** What the mapping at `path` is, for messages: `scenario`, `model`, `fault`, `cut fault`, `workload`, ... */
function labelOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'scenario';
  const last = path[path.length - 1]!;
  if (typeof last === 'number') {
    const parent = String(path[path.length - 2]);
    return ITEM_LABEL[parent] ?? `item of ${parent}`;
  }
  if (path.length === 3 && path[0] === 'faults') return `${String(last)} fault`;
  if (path.length === 2 && path[0] === 'expect') return `expect for model "${String(last)}"`;
  return String(last);
}

function missingKey(path: readonly PropertyKey[], expected: string): string {
  const key = path[path.length - 1];
  return `missing required key "${String(key)}" in ${labelOf(path.slice(0, -1))}; expected ${expected}`;
}

/**
 * For a refinement of a mapping: run it only on a mapping whose keys are all
 * known (a misspelt key is reported on its own; "no action" on top of
 * `unknown key "parition"` would only distract).
 */
export function whenKeysKnown(payload: z.core.ParsePayload): boolean {
  const value = payload.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return !payload.issues.some((issue) => issue.code === 'unrecognized_keys');
}

/**
 * The error map shared by every leaf: `X is not WHAT; expected EXPECTED`, or,
 * when the key is absent, `missing required key "K" in PARENT; expected ...`.
 * Zod calls it once the whole path is known.
 */
export function problem(what: string, expected: string): ErrorMap {
  return (iss: RawIssue) => {
    if (iss.input === undefined && iss.path !== undefined) return missingKey(iss.path, `${what} (${expected})`);
    return `${show(iss.input)} is not ${what}; expected ${expected}`;
  };
}

function timeBound(positive: boolean): string {
  return positive ? 'greater than 0 and at most 24h (a day)' : 'at most 24h (a day)';
}

/** A lower bound for a time that may also be 0: `text` says it (`1ms`), `zero` what 0 means (`never`). */
export interface TimeFloor {
  readonly us: number;
  readonly text: string;
  readonly zero: string;
}

/**
 * A time: `500us`, `150ms`, `2s`, `1.5s`, `1m`, `10h`, or a number of milliseconds.
 * `zeroOr`: the time is 0 or at least this much (a period the simulation repeats
 * every so often, where a few microseconds would make a run take forever).
 */
export function time(description: string, opts: { readonly positive?: boolean; readonly zeroOr?: TimeFloor; readonly examples?: readonly string[] } = {}) {
  const floor = opts.zeroOr;
  const bound = floor !== undefined ? `0 (${floor.zero}) or a time from ${floor.text} to 24h (a day)` : timeBound(opts.positive === true);
  const err = problem('a time', TIME_EXPECTED);
  return z
    .union([z.number({ error: err }).min(0, { error: err }), z.string({ error: err }).regex(TIME_PATTERN, { error: err })], {
      error: err,
    })
    .refine(
      (value) => {
        const us = parseDuration(value);
        // null: not a time at all, which the union has reported already.
        return us === null || (us <= TIME_US_MAX && (opts.positive !== true || us > 0) && (floor === undefined || us === 0 || us >= floor.us));
      },
      { error: (iss) => `${show(iss.input)} is out of range; expected ${floor !== undefined ? bound : `a time ${bound}`}` },
    )
    .meta({ description: `${description} A time: ${TIME_EXPECTED}.`, ...(opts.examples === undefined ? {} : { examples: [...opts.examples] }) });
}

/** A time range `A..B` (uniform between A and B) or a single time meaning exactly that. */
export function timeRange(description: string, opts: { readonly positive?: boolean; readonly examples?: readonly string[] } = {}) {
  const err = problem('a time range', RANGE_EXPECTED);
  return z
    .union(
      [z.number({ error: err }).min(0, { error: err }), z.string({ error: err }).regex(TIME_RANGE_PATTERN, { error: err })],
      { error: err },
    )
    .refine(
      (value) => {
        // Not of the form at all: the union has reported it already.
        if (typeof value === 'string' ? !TIME_RANGE_PATTERN.test(value) : value < 0) return true;
        const range = parseDurationRange(value);
        return range !== null && range.maxUs <= TIME_US_MAX && (opts.positive !== true || range.minUs > 0);
      },
      {
        error: (iss) => {
          const range = parseDurationRange(iss.input as string | number);
          if (range === null) return `${show(iss.input)} is not a time range: its start is after its end; expected ${RANGE_EXPECTED}`;
          return `${show(iss.input)} is out of range; expected times ${timeBound(opts.positive === true)}`;
        },
      },
    )
    .meta({
      description: `${description} A range A..B or a single time; times are ${TIME_EXPECTED}.`,
      ...(opts.examples === undefined ? {} : { examples: [...opts.examples] }),
    });
}

/** A probability in [0, 1]. */
export function probability(description: string) {
  const err = problem('a probability', 'a number from 0 to 1');
  return z.number({ error: err }).min(0, { error: err }).max(1, { error: err }).meta({ description });
}

/** A whole number in [min, max]. */
export function wholeNumber(what: string, min: number, max: number, description: string) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
  const err = problem(what, expected);
  return z.number({ error: err }).int({ error: err }).min(min, { error: err }).max(max, { error: err }).meta({ description });
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T, description: string) {
  const err = problem(what, `one of: ${values.join(', ')}`);
  return z.enum(values, { error: err }).meta({ description });
}

/** A name: a letter, then letters, digits, `_` or `-`. */
export function name(what: string, description: string) {
  const expected = `a name of letters, digits, _ or - starting with a letter, at most ${NAME_LENGTH_MAX} characters (e.g. n1)`;
  const err = problem(what, expected);
  return z
    .string({ error: err })
    .regex(NAME_PATTERN, { error: err })
    .max(NAME_LENGTH_MAX, { error: err })
    .meta({ description });
}

/** Free text. */
export function text(what: string, description: string) {
  const err = problem(what, 'a non-empty string');
  return z.string({ error: err }).min(1, { error: err }).meta({ description });
}

/**
 * A mapping with a fixed set of keys; any other key is an error. For several
 * unknown keys zod raises one issue; the message holds one line per key, in
 * the issue's key order, so the loader can point at each key on its own.
 */
export function mapping<T extends z.core.$ZodLooseShape>(
  label: string,
  shape: T,
  opts: { readonly description?: string; readonly unknownKey?: (key: string) => string } = {},
) {
  const known = Object.keys(shape).join(', ');
  const unknownKey = opts.unknownKey ?? ((key: string) => `unknown key "${key}" in ${label}; expected one of: ${known}`);
  const err: ErrorMap = (iss) => {
    if (iss.code === 'unrecognized_keys') return iss.keys.map(unknownKey).join('\n');
    if (iss.input === undefined && iss.path !== undefined) return missingKey(iss.path, `a mapping with keys: ${known}`);
    return `${show(iss.input)} is not a mapping; expected a mapping of ${label} keys: ${known}`;
  };
  const schema = z.strictObject(shape, { error: err });
  return opts.description === undefined ? schema : schema.meta({ description: opts.description });
}

/** A list of `item`. */
export function list<T extends z.ZodType>(item: T, what: string, expected: string, opts: { readonly min?: number; readonly description?: string } = {}) {
  const err = problem(what, expected);
  const min = opts.min ?? 0;
  const schema = z.array(item, { error: err }).min(min, { error: err });
  return opts.description === undefined ? schema : schema.meta({ description: opts.description });
}

/** A time as validated by `time()`, in microseconds. */
export function toUs(value: string | number): Us {
  const us = parseDuration(value);
  if (us === null) throw new Error(`validated time does not parse: ${String(value)}`);
  return us;
}

/** A range as validated by `timeRange()`, in microseconds. */
export function toUsRange(value: string | number): UsRange {
  const range = parseDurationRange(value);
  if (range === null) throw new Error(`validated range does not parse: ${String(value)}`);
  return range;
}
