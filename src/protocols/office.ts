import type { ProtocolNode } from '../core/protocol.ts';

/**
 * What the kinds with an office (a leader, a primary) share: finding the
 * office holder among the live nodes, and the node whose log is
 * authoritative when there is none.
 */

/** A node class, for `instanceof`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NodeClass<N> = abstract new (...args: any[]) => N;

/**
 * The live node (null entries are crashed) of class `cls` that holds office
 * (`inOffice`) in the highest term (`termOf`), -1 when none does. A deposed
 * holder that has not heard of its successor still counts itself in office;
 * the later term wins. Ties go to the lowest index.
 */
export function highestOffice<N extends ProtocolNode>(nodes: readonly (ProtocolNode | null)[], cls: NodeClass<N>, inOffice: (node: N) => boolean, termOf: (node: N) => number): number {
  let best = -1;
  let bestTerm = -1;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node instanceof cls && inOffice(node) && termOf(node) > bestTerm) {
      best = i;
      bestTerm = termOf(node);
    }
  }
  return best;
}

/**
 * `office` when it is a node (>= 0); else the live node of class `cls`
 * that no other beats (`better(a, i, b, j)`: node a at i is better than b
 * at j), scanning in index order; -1 when no node is live.
 */
export function officeOrBest<N extends ProtocolNode>(nodes: readonly (ProtocolNode | null)[], office: number, cls: NodeClass<N>, better: (a: N, i: number, b: N, j: number) => boolean): number {
  if (office >= 0) return office;
  let best = -1;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node instanceof cls && (best < 0 || better(node, i, nodes[best] as N, best))) best = i;
  }
  return best;
}
