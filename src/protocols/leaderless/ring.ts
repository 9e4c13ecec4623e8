/**
 * Consistent hashing (Dynamo §4.2): every node owns TOKENS_PER_NODE points
 * ("virtual nodes") on a 32-bit ring, placed by hashing its name; a key's
 * preference list is the distinct nodes met walking clockwise from the
 * key's hash. Its first `replicas` nodes hold the key; the rest are the
 * fallbacks a sloppy quorum uses, in order. A pure function of the node
 * names, so every node (and every run) computes the same lists.
 */

/** Points per node: enough that three to seven nodes share the ring evenly. */
export const TOKENS_PER_NODE = 16;

/** FNV-1a, 32 bits: small, stable across platforms, good enough to spread names and keys. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32), so that names differing in one last character land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Ring {
  /** Token positions, ascending, and the node owning each. */
  private readonly points: Uint32Array;
  private readonly owners: Int32Array;
  /** Per key: every node, in preference order (computed once per key). */
  private readonly lists = new Map<string, Int32Array>();

  constructor(readonly nodeNames: readonly string[]) {
    const tokens: { at: number; node: number }[] = [];
    nodeNames.forEach((name, node) => {
      for (let t = 0; t < TOKENS_PER_NODE; t++) tokens.push({ at: fnv1a(`${name}#${t}`), node });
    });
    tokens.sort((a, b) => a.at - b.at || a.node - b.node);
    this.points = Uint32Array.from(tokens, (t) => t.at);
    this.owners = Int32Array.from(tokens, (t) => t.node);
  }

  /** Every node in the key's preference order: its replicas first, then its fallbacks. */
  preference(key: string): Int32Array {
    let list = this.lists.get(key);
    if (list === undefined) {
      list = this.walk(fnv1a(key));
      this.lists.set(key, list);
    }
    return list;
  }

  /** Whether `node` is one of the first `replicas` nodes of the key's preference list. */
  isReplica(key: string, node: number, replicas: number): boolean {
    const list = this.preference(key);
    for (let i = 0; i < replicas; i++) if (list[i] === node) return true;
    return false;
  }

  private walk(hash: number): Int32Array {
    const n = this.nodeNames.length;
    const out = new Int32Array(n);
    const seen = new Uint8Array(n);
    // The first token at or after the key's hash, wrapping around.
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    let found = 0;
    for (let step = 0; step < this.points.length && found < n; step++) {
      const owner = this.owners[(lo + step) % this.points.length]!;
      if (seen[owner] === 1) continue;
      seen[owner] = 1;
      out[found++] = owner;
    }
    return out;
  }
}
