/**
 * Simulated time is an integer number of microseconds (`Us`). Integers keep
 * arithmetic exact, so a run is byte-identical on every machine.
 */
export type Us = number;

export const US_PER_MS = 1_000;
export const US_PER_S = 1_000_000;

const UNIT_US: Readonly<Record<string, number>> = {
  us: 1,
  ms: US_PER_MS,
  s: US_PER_S,
  m: 60 * US_PER_S,
  h: 60 * 60 * US_PER_S,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/;

/** Parses `500us`, `150ms`, `2s`, `1.5s`, `1m`, `10h` or a bare number of milliseconds. Returns null when it does not parse. */
export function parseDuration(text: string | number): Us | null {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) return null;
    return Math.round(text * US_PER_MS);
  }
  const match = DURATION.exec(text);
  if (match === null) return null;
  const amount = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return Math.round(amount * UNIT_US[unit]!);
}

export interface UsRange {
  readonly minUs: Us;
  readonly maxUs: Us;
}

/** Parses `A..B` (each a duration) or a single duration meaning `A..A`. Returns null when it does not parse or A > B. */
export function parseDurationRange(text: string | number): UsRange | null {
  if (typeof text === 'string' && text.includes('..')) {
    const [a, b, ...rest] = text.split('..');
    if (rest.length > 0 || a === undefined || b === undefined) return null;
    const minUs = parseDuration(a);
    const maxUs = parseDuration(b);
    if (minUs === null || maxUs === null || minUs > maxUs) return null;
    return { minUs, maxUs };
  }
  const us = parseDuration(text);
  return us === null ? null : { minUs: us, maxUs: us };
}

/** Human-readable time for reports: `850us`, `12.5ms`, `3.204s`. */
export function formatUs(us: Us): string {
  if (us < US_PER_MS) return `${us}us`;
  if (us < US_PER_S) return `${trim(us / US_PER_MS, 3)}ms`;
  return `${trim(us / US_PER_S, 3)}s`;
}

function trim(value: number, digits: number): string {
  return Number(value.toFixed(digits)).toString();
}
