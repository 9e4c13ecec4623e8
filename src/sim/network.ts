import type { Rng } from '../core/random.ts';
import type { Us } from '../core/time.ts';
import type { NetworkParams } from '../scenario/types.ts';

/**
 * Links between nodes: partitions (a group id per node), one-way cuts, and
 * the latency/loss/duplication parameters. A message is lost if its link is
 * down when it is sent or when it would arrive.
 */
export class Network {
  private readonly n: number;
  private readonly group: Int32Array;
  private readonly cut: Uint8Array;
  latencyUsMin: Us;
  latencyUsMax: Us;
  drop: number;
  duplicate: number;

  constructor(nodeCount: number, params: NetworkParams, private readonly rng: Rng) {
    this.n = nodeCount;
    this.group = new Int32Array(nodeCount);
    this.cut = new Uint8Array(nodeCount * nodeCount);
    this.latencyUsMin = params.latencyUsMin;
    this.latencyUsMax = params.latencyUsMax;
    this.drop = params.drop;
    this.duplicate = params.duplicate;
  }

  connected(from: number, to: number): boolean {
    return this.group[from] === this.group[to] && this.cut[from * this.n + to] === 0;
  }

  /** Every node in exactly one group; `groups` are node indices. */
  partition(groups: readonly (readonly number[])[]): void {
    groups.forEach((members, g) => {
      for (const node of members) this.group[node] = g;
    });
  }

  cutLink(from: number, to: number): void {
    this.cut[from * this.n + to] = 1;
  }

  heal(): void {
    this.group.fill(0);
    this.cut.fill(0);
  }

  setParams(params: Partial<NetworkParams>): void {
    if (params.latencyUsMin !== undefined) this.latencyUsMin = params.latencyUsMin;
    if (params.latencyUsMax !== undefined) this.latencyUsMax = params.latencyUsMax;
    if (params.drop !== undefined) this.drop = params.drop;
    if (params.duplicate !== undefined) this.duplicate = params.duplicate;
  }

  /** Draws whether a message is lost to random loss (always one draw, so loss settings do not shift later draws). */
  lose(): boolean {
    return this.rng.next() < this.drop;
  }

  /** Draws whether a message is delivered a second time. */
  duplicates(): boolean {
    return this.rng.next() < this.duplicate;
  }

  latency(): Us {
    const min = this.latencyUsMin;
    const span = this.latencyUsMax - min;
    return span === 0 ? min : min + Math.floor(this.rng.next() * (span + 1));
  }
}
