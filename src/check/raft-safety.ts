import type { Entry, LogView, RaftObserver, VoteReason } from '../protocols/raft/types.ts';
import { recordViolation, type CheckClock, type CheckerWatch, type Violation } from './violations.ts';

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
   * term, by the (small, dense) log index; entries of other terms at the same
   * index (after a conflict, rare) go to `laterTerms`. The records are kept in
   * fixed-size chunks (see the columns below), so that a long run keeps a few
   * bytes per index, not a grown array's slack.
   */
  private readonly firstEntry = new RefColumn<Entry>();
  private readonly firstPrevTerm = new IntColumn();
  /** index → term → the entry there and its predecessor's term, for every term but the first seen at that index. */
  private readonly laterTerms = new Map<number, Map<number, { entry: Entry; prevTerm: number }>>();
  /**
   * Committed and applied entries by index. Nearly always the entry first
   * reported at that index, so each is a 2-bit state per index (none, the
   * first entry, another one kept in `otherCommitted`/`otherApplied`) rather
   * than a reference per index.
   */
  private readonly refState = new ByteColumn();
  private readonly otherCommitted = new Map<number, Entry>();
  private readonly otherApplied = new Map<number, Entry>();
  /** One past the highest index recorded as committed (index 0 unused). */
  private committedLength = 0;
  /**
   * By index: the lowest term of a leader that reported the entry committed —
   * the term it was committed in, which is what Leader Completeness
   * constrains (leaders of later terms must hold it), not the entry's own
   * term. Non-decreasing in the index: a leader that commits index n commits
   * every index below it too. `commitTermsLength` indexes are recorded (index 0: term 0).
   */
  private readonly commitTerms = new IntColumn();
  private commitTermsLength = 1;
  private readonly reported = new Set<string>();

  constructor(
    private readonly clock: CheckClock,
    private readonly onRoleChange: (node: number, role: string, term: number, previous: string) => void = () => {},
    private readonly onEvent: (node: number, text: string) => void = () => {},
    private readonly watch: CheckerWatch = {},
    /** Votes and pre-votes as the nodes decide them (RaftObserver.vote), passed on unchecked: for the run's event stream. */
    private readonly onVote: RaftObserver['vote'] | null = null,
  ) {}

  vote(node: number, candidate: number, term: number, preVote: boolean, reason: VoteReason, nodeTerm: number, leader: number, votedFor: number): void {
    this.onVote?.(node, candidate, term, preVote, reason, nodeTerm, leader, votedFor);
  }

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
    for (let index = 1; index < this.committedLength && index < this.commitTermsLength && this.commitTerms.get(index) < term; index++) {
      const entry = this.committedEntry(index);
      // Entries inside the leader's snapshot were committed before it compacted them.
      if (entry === undefined || index <= log.snapshotIndex) continue;
      const held = log.entryAt(index);
      if (held !== entry) {
        this.violate(
          'Leader Completeness',
          `${this.name(node)} became leader of term ${term} without committed entry ${index} (term ${entry.term}) in term ${this.commitTerms.get(index)}; its log has ${
            held === undefined ? 'no entry' : `an entry of term ${held.term}`
          } there`,
        );
        return;
      }
    }
  }

  appended(node: number, index: number, entry: Entry, prevTerm: number): void {
    const first = this.firstEntry.get(index);
    if (first === undefined) {
      this.firstEntry.set(index, entry);
      this.firstPrevTerm.set(index, prevTerm);
      return;
    }
    let knownEntry = first;
    let knownPrevTerm = this.firstPrevTerm.get(index);
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
    for (let i = Math.min(index, this.commitTermsLength - 1); i >= 1 && this.commitTerms.get(i) > term; i--) this.commitTerms.set(i, term);
    for (let i = this.commitTermsLength; i <= index; i++) this.commitTerms.set(i, term);
    if (index >= this.commitTermsLength) this.commitTermsLength = index + 1;
    // Entries below the recorded prefix were checked when they were first committed.
    const first = Math.max(1, this.committedLength);
    for (let i = Math.min(index, first); i <= index; i++) {
      const entry = log.entryAt(i);
      if (entry === undefined) continue;
      const known = this.committedEntry(i);
      if (known === undefined) {
        this.setRef(i, COMMITTED_SHIFT, entry, this.otherCommitted);
        if (i >= this.committedLength) this.committedLength = i + 1;
      } else if (known !== entry) {
        this.violate('State Machine Safety', `${this.name(node)} committed a different entry at index ${i} (term ${entry.term}, was term ${known.term})`);
        return;
      }
    }
  }

  applied(node: number, index: number, entry: Entry): void {
    this.watch.applied?.(node, index, entry.term);
    const known = this.ref(index, APPLIED_SHIFT, this.otherApplied);
    if (known === undefined) this.setRef(index, APPLIED_SHIFT, entry, this.otherApplied);
    else if (known !== entry) {
      this.violate('State Machine Safety', `${this.name(node)} applied an entry of term ${entry.term} at index ${index} where another node applied one of term ${known.term}`);
    }
  }

  /** The highest index any leader reported committed (0: none). */
  get highestCommitted(): number {
    return Math.max(0, this.committedLength - 1);
  }

  /** The entry first committed at `index` (by any leader), if any. */
  committedEntry(index: number): Entry | undefined {
    return this.ref(index, COMMITTED_SHIFT, this.otherCommitted);
  }

  /** The committed (shift 0) or applied (shift 2) entry at `index`: none, the first entry reported there, or another. */
  private ref(index: number, shift: number, others: Map<number, Entry>): Entry | undefined {
    const state = (this.refState.get(index) >> shift) & 3;
    if (state === REF_NONE) return undefined;
    return state === REF_FIRST ? this.firstEntry.get(index) : others.get(index);
  }

  private setRef(index: number, shift: number, entry: Entry, others: Map<number, Entry>): void {
    const state = this.firstEntry.get(index) === entry ? REF_FIRST : REF_OTHER;
    if (state === REF_OTHER) others.set(index, entry);
    this.refState.set(index, (this.refState.get(index) & ~(3 << shift)) | (state << shift));
  }

  event(node: number, text: string): void {
    this.onEvent(node, text);
  }

  private violate(invariant: string, what: string): void {
    // The first break of each property is the one to read: once broken, it breaks again on every index and node after.
    recordViolation(this.violations, this.reported, invariant, invariant, what, this.clock, this.watch);
  }

  private name(node: number): string {
    return this.clock.nodeName(node);
  }
}

const COMMITTED_SHIFT = 0;
const APPLIED_SHIFT = 2;
const REF_NONE = 0;
const REF_FIRST = 1;
const REF_OTHER = 2;

/**
 * Per-index columns in fixed-size chunks, allocated as indexes are reached:
 * no copying as they grow, and no slack beyond the last chunk. Unset indexes
 * read 0 (or undefined).
 */
const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

class IntColumn {
  private readonly chunks: Int32Array[] = [];

  get(i: number): number {
    const c = this.chunks[i >> CHUNK_BITS];
    return c === undefined ? 0 : c[i & CHUNK_MASK]!;
  }

  set(i: number, v: number): void {
    const k = i >> CHUNK_BITS;
    while (this.chunks.length <= k) this.chunks.push(new Int32Array(CHUNK));
    this.chunks[k]![i & CHUNK_MASK] = v;
  }
}

class ByteColumn {
  private readonly chunks: Uint8Array[] = [];

  get(i: number): number {
    const c = this.chunks[i >> CHUNK_BITS];
    return c === undefined ? 0 : c[i & CHUNK_MASK]!;
  }

  set(i: number, v: number): void {
    const k = i >> CHUNK_BITS;
    while (this.chunks.length <= k) this.chunks.push(new Uint8Array(CHUNK));
    this.chunks[k]![i & CHUNK_MASK] = v;
  }
}

class RefColumn<T> {
  private readonly chunks: (T | undefined)[][] = [];

  get(i: number): T | undefined {
    const c = this.chunks[i >> CHUNK_BITS];
    return c === undefined ? undefined : c[i & CHUNK_MASK];
  }

  set(i: number, v: T): void {
    const k = i >> CHUNK_BITS;
    while (this.chunks.length <= k) this.chunks.push(new Array<T | undefined>(CHUNK).fill(undefined));
    this.chunks[k]![i & CHUNK_MASK] = v;
  }
}
