import type { Rng } from '../core/random.ts';
import type { Us } from '../core/time.ts';

/** The network's parameters, as a scenario sets them and a `network` fault changes them. */
export interface NetworkParams {
  readonly latencyUsMin: Us;
  readonly latencyUsMax: Us;
  /** Probability in [0, 1] that a message is lost. */
  readonly drop: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  readonly duplicate: number;
}

/** The network as plain data (for the UI): a partition side per node, the cut links, the parameters. */
export interface NetworkState extends NetworkParams {
  /** Per node: its partition group; nodes with equal numbers can talk (all 0 when healed). */
  readonly groups: readonly number[];
  /** One-way cuts [from, to] (node indices), in (from, to) order. */
  readonly cuts: readonly (readonly [number, number])[];
}

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

  /** The network as plain data: allocates, so it is for snapshots, never the event loop. */
  state(): NetworkState {
    const cuts: [number, number][] = [];
    for (let from = 0; from < this.n; from++) {
      for (let to = 0; to < this.n; to++) if (this.cut[from * this.n + to] === 1) cuts.push([from, to]);
    }
    return { groups: Array.from(this.group), cuts, latencyUsMin: this.latencyUsMin, latencyUsMax: this.latencyUsMax, drop: this.drop, duplicate: this.duplicate };
  }

  setParams(params: Partial<NetworkParams>): void {
    if (params.latencyUsMin !== undefined) this.latencyUsMin = params.latencyUsMin;
    if (params.latencyUsMax !== undefined) this.latencyUsMax = params.latencyUsMax;
    if (params.drop !== undefined) this.drop = params.drop;
    if (params.duplicate !== undefined) this.duplicate = params.duplicate;
  }

  /** Draws whether a message is lost to random loss (always one draw, so loss settings do not shift later draws). */
  lose(): boolean {
    return this.rng.chance(this.drop);
  }

  /** Draws whether a message is delivered a second time. */
  duplicates(): boolean {
    return this.rng.chance(this.duplicate);
  }

  latency(): Us {
    const min = this.latencyUsMin;
    const span = this.latencyUsMax - min;
    // int and chance return a small integer and a boolean: unlike a double, neither is boxed on
    // the heap when the call is not inlined (three draws per message).
    return span === 0 ? min : this.rng.int(min, this.latencyUsMax);
  }
}

