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
