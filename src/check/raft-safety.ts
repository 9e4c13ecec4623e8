import type { Entry, LogView, RaftObserver } from '../protocols/raft/types.ts';
import { VIOLATIONS_MAX, type CheckClock, type CheckerWatch, type Violation } from './violations.ts';

/**
 * The five safety properties of Raft (extended paper, Figure 3), checked
 * online as the nodes report what they do. Each check costs O(1) per entry,
 * except Leader Completeness, which walks the committed prefix once per
 * election (rare).
 *
 * - Election Safety: at most one leader per term.
 * - Leader Append-Only: a leader never overwrites or deletes its entries.
 * - Log Matching: entries with the same index and term are the same entry
 *   and follow the same predecessor term; by induction, logs that share an
 *   (index, term) are identical up to it.
 * - Leader Completeness: a committed entry is in the log of every leader of
 *   a later term.
 * - State Machine Safety: no two nodes apply different entries at one index.
 */
export class RaftSafetyChecker implements RaftObserver {
  readonly violations: Violation[] = [];
  /** Every (term, node) that took office, in order. */
  readonly leaderships: { term: number; node: number; atUs: number }[] = [];
  private readonly leaderOfTerm = new Map<number, number>();
  /**
   * Log Matching: the first entry reported at each index, and its predecessor's
   * term, in arrays indexed by the (small, dense) log index; entries of other
   * terms at the same index (after a conflict, rare) go to `laterTerms`. This
   * used to be one Map keyed by index × 2³² + term, a number V8 must hash as a
   * heap number on every append.
   */
  private readonly firstEntry: (Entry | undefined)[] = [];
  private readonly firstPrevTerm: number[] = [];
  /** index → term → the entry there and its predecessor's term, for every term but the first seen at that index. */
  private readonly laterTerms = new Map<number, Map<number, { entry: Entry; prevTerm: number }>>();
  /** Committed entries by index (index 0 unused). */
  private readonly committedEntries: Entry[] = [];
  /**
   * By index: the lowest term of a leader that reported the entry committed —
   * the term it was committed in, which is what Leader Completeness
   * constrains (leaders of later terms must hold it), not the entry's own
   * term. Non-decreasing in the index: a leader that commits index n commits
   * every index below it too.
   */
  private readonly commitTerms: number[] = [0];
  private readonly appliedEntries: Entry[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly clock: CheckClock,
    private readonly onRoleChange: (node: number, role: string, term: number, previous: string) => void = () => {},
    private readonly onEvent: (node: number, text: string) => void = () => {},
    private readonly watch: CheckerWatch = {},
  ) {}

  roleChanged(node: number, role: string, term: number, previous: string): void {
    this.onRoleChange(node, role, term, previous);
  }

  becameLeader(node: number, term: number, log: LogView): void {
    this.leaderships.push({ term, node, atUs: this.clock.nowUs() });
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== node) {
      this.violate('Election Safety', `${this.name(node)} and ${this.name(other)} are both leaders of term ${term}`);
    }
    this.leaderOfTerm.set(term, node);
    // Only entries committed in an earlier term than this one bind it; commit terms rise with the index.
    for (let index = 1; index < this.committedEntries.length && this.commitTerms[index]! < term; index++) {
      const entry = this.committedEntries[index];
      // Entries inside the leader's snapshot were committed before it compacted them.
      if (entry === undefined || index <= log.snapshotIndex) continue;
      const held = log.entryAt(index);
      if (held !== entry) {
        this.violate(
          'Leader Completeness',
          `${this.name(node)} became leader of term ${term} without committed entry ${index} (term ${entry.term}) in term ${this.commitTerms[index]}; its log has ${
            held === undefined ? 'no entry' : `an entry of term ${held.term}`
          } there`,
        );
        return;
      }
    }
  }

  appended(node: number, index: number, entry: Entry, prevTerm: number): void {
    const first = this.firstEntry[index];
    if (first === undefined) {
      this.firstEntry[index] = entry;
      this.firstPrevTerm[index] = prevTerm;
      return;
    }
    let knownEntry = first;
    let knownPrevTerm = this.firstPrevTerm[index]!;
    if (first.term !== entry.term) {
      let terms = this.laterTerms.get(index);
      if (terms === undefined) this.laterTerms.set(index, (terms = new Map()));
      const known = terms.get(entry.term);
      if (known === undefined) {
        terms.set(entry.term, { entry, prevTerm });
        return;
      }
      knownEntry = known.entry;
      knownPrevTerm = known.prevTerm;
    }
    if (knownEntry !== entry || knownPrevTerm !== prevTerm) {
      this.violate('Log Matching', `${this.name(node)} holds a different entry at index ${index} term ${entry.term} than another log`);
    }
  }

  truncated(node: number, fromIndex: number, role: string): void {
    if (role === 'leader') this.violate('Leader Append-Only', `leader ${this.name(node)} deleted its entries from index ${fromIndex}`);
  }

  /**
   * Only leaders report commits, with their own term: the term an entry is
   * committed in. A follower that learns the commit index from a leader's
   * AppendEntries learns of commits some leader of that term or an earlier
   * one already reported, so it would add no constraint.
   */
  committed(node: number, index: number, log: LogView, term: number): void {
    this.watch.committed?.(node, index, term);
    // A leader of an older term than the recorded one (a stale leader counting late acknowledgements) commits the prefix in its own term.
    for (let i = Math.min(index, this.commitTerms.length - 1); i >= 1 && this.commitTerms[i]! > term; i--) this.commitTerms[i] = term;
    for (let i = this.commitTerms.length; i <= index; i++) this.commitTerms[i] = term;
    // Entries below the recorded prefix were checked when they were first committed.
    const first = Math.max(1, this.committedEntries.length);
    for (let i = Math.min(index, first); i <= index; i++) {
      const entry = log.entryAt(i);
      if (entry === undefined) continue;
      const known = this.committedEntries[i];
      if (known === undefined) this.committedEntries[i] = entry;
      else if (known !== entry) {
        this.violate('State Machine Safety', `${this.name(node)} committed a different entry at index ${i} (term ${entry.term}, was term ${known.term})`);
        return;
      }
    }
  }

  applied(node: number, index: number, entry: Entry): void {
    this.watch.applied?.(node, index, entry.term);
    const known = this.appliedEntries[index];
    if (known === undefined) this.appliedEntries[index] = entry;
    else if (known !== entry) {
      this.violate('State Machine Safety', `${this.name(node)} applied an entry of term ${entry.term} at index ${index} where another node applied one of term ${known.term}`);
    }
  }

  /** The entry first committed at `index` (by any leader), if any. */
  committedEntry(index: number): Entry | undefined {
    return this.committedEntries[index];
  }

  event(node: number, text: string): void {
    this.onEvent(node, text);
  }

  private violate(invariant: string, what: string): void {
    // The first break of each property is the one to read: once broken, it breaks again on every index and node after.
    if (this.reported.has(invariant) || this.violations.length >= VIOLATIONS_MAX) return;
    this.reported.add(invariant);
    const violation: Violation = { invariant, atMs: this.clock.nowUs() / 1000, detail: `${what} — ${this.clock.describeEvent()}` };
    this.violations.push(violation);
    this.watch.violated?.(violation);
  }

  private name(node: number): string {
    return this.clock.nodeName(node);
  }
}
