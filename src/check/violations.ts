/** A broken safety property, as reported in the summary (docs/figures.md). */
export interface Violation {
  readonly invariant: string;
  readonly atMs: number;
  readonly detail: string;
}

/** How a checker learns when and during which event something happened. */
export interface CheckClock {
  nowUs(): number;
  /** Formats text: call only when reporting a violation. */
  describeEvent(): string;
  nodeName(node: number): string;
}

/** The most violations one run records; past it the run is already broken beyond use. */
export const VIOLATIONS_MAX = 50;

/**
 * Told as a checker learns what the nodes do, for the UI's event stream.
 * Every member is optional; a checker works the same without any.
 */
export interface CheckerWatch {
  /** Called once for each violation recorded, as it is recorded. */
  violated?(violation: Violation): void;
  /** A leader counted its log committed up to `index`, in `term`. */
  committed?(node: number, index: number, term: number): void;
  /** `node` applied the entry at `index`, written in `term` (epoch). */
  applied?(node: number, index: number, term: number): void;
}

/**
 * Records a violation once per `key` (the invariant, or the invariant and
 * its message: a broken property tends to repeat), at most VIOLATIONS_MAX in
 * all, and tells `watch`. `detail` is `what — the event being processed`.
 * Every model's safety checker reports through this.
 */
export function recordViolation(
  into: Violation[],
  reported: Set<string>,
  key: string,
  invariant: string,
  what: string,
  clock: CheckClock,
  watch: CheckerWatch,
): void {
  if (reported.has(key) || into.length >= VIOLATIONS_MAX) return;
  reported.add(key);
  const violation: Violation = { invariant, atMs: clock.nowUs() / 1000, detail: `${what} — ${clock.describeEvent()}` };
  into.push(violation);
  watch.violated?.(violation);
}
