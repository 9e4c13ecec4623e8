import type { Us } from '../core/time.ts';

/** The clients of a run, as a scenario's `workload` sets them (docs/scenario-format.md). */
export interface WorkloadSpec {
  /** 0 means no clients. Client i (1-based) is bound to node ((i-1) mod N)+1. */
  readonly clients: number;
  readonly intervalUs: Us;
  readonly timeoutUs: Us;
  /** Keys are named k1..kK. */
  readonly keys: number;
  /** Fraction of reads in [0, 1]. */
  readonly reads: number;
  /** Fraction of compare-and-set in [0, 1]; reads + cas <= 1, the rest are writes. */
  readonly cas: number;
}
