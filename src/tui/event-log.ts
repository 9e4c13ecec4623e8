import type { Us } from '../core/time.ts';
import type { RunEvent, VoteDecided } from '../run/events.ts';

/**
 * The terminal UI's event log: what the runs told, kept as plain entries
 * tagged with the event that caused them, so going back (a `rewind`) drops
 * exactly the entries of the events undone and stepping forward again
 * re-adds the same ones. Commits and client failures are kept one entry
 * each and aggregated when shown. Votes are kept with the election they
 * answer (the candidate's `election` entry), and told on its line, grouped by
 * the rule that decided them.
 */

export type EntryKind = 'fault' | 'settle' | 'leader' | 'election' | 'violation' | 'note' | 'narration' | 'commit' | 'client-fail';

export interface LogEntry {
  readonly model: string;
  /** The event of its run that caused it (entries past a rewind's event are dropped). */
  readonly event: number;
  readonly atUs: Us;
  readonly kind: EntryKind;
  readonly text: string;
  /** For commits, the index; for client failures, the client. */
  readonly n: number;
  /** An `election` entry: whose, for which term, a pre-vote round or an election. */
  readonly election?: { readonly candidate: string; readonly term: number; readonly preVote: boolean; readonly head: string };
  /** An `election` entry: the votes told for it so far, oldest first (a rewind drops the later ones). */
  readonly votes?: VoteDecided[];
}

/** How far back (entries) a storm of alike elections is gathered into one line. */
const STORM_SCAN_MAX = 2_000;

/** How far back (entries) a vote looks for its election: votes answer within a few network delays. */
const VOTE_SCAN_MAX = 2_000;

/** Faults and settle run first in their instant. */
const RANK: Readonly<Record<EntryKind, number>> = { fault: 0, settle: 0, narration: 1, leader: 1, election: 1, violation: 1, note: 1, commit: 1, 'client-fail': 1 };

/** Entries kept at most: the oldest go first (the screen shows the last few). */
const ENTRIES_MAX = 20_000;

export class EventLog {
  private entries: LogEntry[] = [];
  /** The run whose narration events are kept (every run tells the scenario's notes). */
  narrator: string | null = null;
  /** Bumped on every change: a cheap "did it change" for the view. */
  version = 0;

  /** The listener to hand to `RunGroup.subscribe`: cheap for the events it ignores (messages, invocations). */
  readonly listener = (model: string, e: RunEvent): void => {
    switch (e.type) {
      case 'message-sent':
      case 'message-delivered':
      case 'message-dropped':
      case 'client-invoked':
      case 'applied':
        return;
      case 'narration':
        // Every run of the group tells it: kept once, with the first run's events.
        if (this.narrator === null || model === this.narrator) this.add(this.narrator ?? model, e, 'narration', e.text, e.index);
        return;
      case 'rewind':
        this.rewind(model, e.event, e.atUs);
        return;
      case 'fault':
        this.add(model, e, 'fault', e.injected ? `${e.text} (by hand)` : e.text, 0);
        return;
      case 'settle':
        this.add(model, e, 'settle', e.text, 0);
        return;
      case 'role':
        // Leaders and primaries taking office are told by the models' notes (below).
        if (e.role === 'candidate') this.addElection(model, e, e.node, e.term, false, `${e.node} timed out, stands for term ${e.term}`, []);
        // A pre-vote round is shown only once someone answers it (an isolated node asks in vain every timeout).
        else if (e.role === 'preCandidate') this.addElection(model, e, e.node, e.term + 1, true, `${e.node} asks for pre-votes for term ${e.term + 1}`, []);
        return;
      case 'vote':
        this.vote(model, e);
        return;
      case 'commit':
        this.add(model, e, 'commit', '', e.index);
        return;
      case 'client-completed':
        if (e.outcome !== 'ok') this.add(model, e, 'client-fail', e.error === 'timeout' ? 'timeout' : e.outcome, e.client);
        return;
      case 'violation':
        this.add(model, e, 'violation', `VIOLATION ${e.violation.invariant}: ${e.violation.detail}`, 0);
        return;
      case 'note':
        if (!e.important) return;
        if (e.text.startsWith('became leader')) this.add(model, e, 'leader', `${e.node} ${e.text} (§5.2: votes from a majority)`, 0);
        else if (e.text.startsWith('took office')) this.add(model, e, 'leader', `${e.node} ${e.text}`, 0);
        else this.add(model, e, 'note', e.node === null ? e.text : `${e.node} ${e.text}`, 0);
        return;
    }
  };

  /**
   * What a run's model told while it was built, before anyone listened (a
   * primary taking office at time 0): `lines` is the run's event log then.
   * A replay builds the model anew and tells it again; it is kept once.
   */
  initial(model: string, lines: readonly { readonly atUs: Us; readonly text: string }[]): void {
    for (const line of lines) this.add(model, { event: 0, atUs: line.atUs }, /^\S+ took office/.test(line.text) ? 'leader' : 'note', line.text, 0);
  }

  private addElection(model: string, at: { event: number; atUs: Us }, candidate: string, term: number, preVote: boolean, head: string, votes: VoteDecided[]): void {
    this.add(model, at, 'election', `${head} (${preVote ? '§9.6' : '§5.2'})`, 0, { election: { candidate, term, preVote, head }, votes });
  }

  /** A vote joins the latest election of its candidate, term and kind; one with none in sight (trimmed away) opens it. */
  private vote(model: string, e: VoteDecided): void {
    const stop = Math.max(0, this.entries.length - VOTE_SCAN_MAX);
    for (let i = this.entries.length - 1; i >= stop; i--) {
      const x = this.entries[i]!;
      const el = x.election;
      if (el === undefined || x.model !== model || el.candidate !== e.candidate || el.term !== e.term || el.preVote !== e.preVote) continue;
      x.votes!.push(e);
      this.version++;
      return;
    }
    this.addElection(model, e, e.candidate, e.term, e.preVote, e.preVote ? `${e.candidate} asks for pre-votes for term ${e.term}` : `${e.candidate} stands for term ${e.term}`, [e]);
  }

  private add(model: string, at: { event: number; atUs: Us }, kind: EntryKind, text: string, n: number, election?: Pick<LogEntry, 'election' | 'votes'>): void {
    if (at.event === 0 && this.entries.some((e) => e.event === 0 && e.model === model && e.kind === kind && e.text === text)) return;
    // In time order (the runs of a group are advanced one after the other, slice by slice), faults and settle first in their instant (they run first).
    const entry: LogEntry = election === undefined ? { model, event: at.event, atUs: at.atUs, kind, text, n } : { model, event: at.event, atUs: at.atUs, kind, text, n, ...election };
    const rank = RANK[kind];
    let i = this.entries.length;
    while (i > 0) {
      const prev = this.entries[i - 1]!;
      if (prev.atUs < entry.atUs || (prev.atUs === entry.atUs && RANK[prev.kind] <= rank)) break;
      i--;
    }
    if (i === this.entries.length) this.entries.push(entry);
    else this.entries.splice(i, 0, entry);
    if (this.entries.length > ENTRIES_MAX) this.entries.splice(0, this.entries.length - ENTRIES_MAX);
    this.version++;
  }

  /** Drops what `model` told after its event `event` and after `atUs` (a note told past the rewind's instant, with no event of that model in between, is undone too). */
  private rewind(model: string, event: number, atUs: Us): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.model !== model || (e.event <= event && e.atUs <= atUs));
    if (this.entries.length !== before) this.version++;
    for (const e of this.entries) {
      const votes = e.votes;
      if (votes === undefined || e.model !== model || votes.length === 0 || votes[votes.length - 1]!.event <= event) continue;
      let k = votes.length;
      while (k > 0 && votes[k - 1]!.event > event) k--;
      votes.length = k;
      this.version++;
    }
  }

  clear(): void {
    this.entries = [];
    this.version++;
  }

  /**
   * The last `count` lines to show, oldest first. Faults, leaders,
   * elections, violations and notes have a line each (told once, as `all`,
   * when every model told it at one instant); the commits and client
   * failures between two such lines are one line, per model.
   */
  lines(count: number, models: readonly string[]): LogLineView[] {
    const out: LogLineView[] = [];
    /** Elections told on a later line (a storm of alike ones). */
    const consumed = new Set<number>();
    let i = this.entries.length - 1;
    while (i >= 0 && out.length < count) {
      const e = this.entries[i]!;
      if (hidden(e) || consumed.has(i)) {
        i--;
        continue;
      }
      if (e.kind === 'commit' || e.kind === 'client-fail') {
        let j = i;
        const commits = new Map<string, { n: number; from: number; to: number }>();
        const failed = new Map<string, Set<number>>();
        while (j >= 0 && (this.entries[j]!.kind === 'commit' || this.entries[j]!.kind === 'client-fail' || hidden(this.entries[j]!) || consumed.has(j))) {
          const m = this.entries[j]!;
          if (m.kind === 'election') {
            j--;
            continue;
          }
          if (m.kind === 'commit') {
            const c = commits.get(m.model);
            if (c === undefined) commits.set(m.model, { n: 1, from: m.n, to: m.n });
            else {
              c.n++;
              c.from = m.n;
            }
          } else {
            const set = failed.get(m.model) ?? new Set<number>();
            set.add(m.n);
            failed.set(m.model, set);
          }
          j--;
        }
        const parts: string[] = [];
        const order = (a: string, b: string): number => models.indexOf(a) - models.indexOf(b);
        if (commits.size > 0) parts.push(`committed ${[...commits.entries()].sort((a, b) => order(a[0], b[0])).map(([m, c]) => `${m} ${c.from === c.to ? `#${c.to}` : `#${c.from}–${c.to}`}`).join(', ')}`);
        if (failed.size > 0) {
          const clients = [...failed.entries()].sort((a, b) => order(a[0], b[0])).map(([m, set]) => `${m} c${[...set].sort((a, b) => a - b).join(' c')}`);
          parts.push(`failed/timed out: ${clients.join(', ')}`);
        }
        let first = j + 1;
        while (this.entries[first]!.kind === 'election') first++;
        out.push({ atUs: this.entries[first]!.atUs, model: commits.size + failed.size === 1 ? e.model : '', kind: failed.size > 0 ? 'client-fail' : 'commit', text: parts.join(' · ') });
        i = j;
        continue;
      }
      // The same line from every model at one instant: once.
      const text = textOf(e);
      let j = i;
      const same: string[] = [];
      while (j >= 0 && this.entries[j]!.atUs === e.atUs && this.entries[j]!.kind === e.kind && textOf(this.entries[j]!) === text) {
        same.push(this.entries[j]!.model);
        j--;
      }
      const all = models.length > 1 && models.every((m) => same.includes(m));
      if (all) {
        out.push({ atUs: e.atUs, model: 'all', kind: e.kind, text });
        i = j;
      } else if (e.votes !== undefined && e.votes.length > 0) {
        // A storm (a removed or cut-off node standing again and again, answered alike): one line.
        const summary = voteSummary(e.votes);
        const el = e.election!;
        // The earlier ones are found past commits and client failures (they stay shown, aggregated), within a bound.
        let n = 1;
        let low = el.term;
        for (let k = i - 1; k >= 0 && k >= i - STORM_SCAN_MAX; k--) {
          const x = this.entries[k]!;
          if (hidden(x) || x.kind === 'commit' || x.kind === 'client-fail') continue;
          const xl = x.election;
          if (xl === undefined || x.model !== e.model || xl.candidate !== el.candidate || xl.preVote !== el.preVote || x.votes!.length === 0 || voteSummary(x.votes!) !== summary) break;
          n++;
          low = xl.term;
          consumed.add(k);
        }
        const many = el.preVote ? `${el.candidate} asked for pre-votes for term ${el.term} ${n} times` : `${el.candidate} stood for terms ${low}–${el.term} (${n} elections)`;
        out.push({ atUs: e.atUs, model: e.model, kind: e.kind, text: n === 1 ? text : `${many}: ${summary}` });
        i--;
      } else {
        out.push({ atUs: e.atUs, model: e.kind === 'narration' ? 'note' : e.model, kind: e.kind, text });
        i--;
      }
    }
    return out.reverse();
  }

  /** Every entry (tests). */
  all(): readonly LogEntry[] {
    return this.entries;
  }
}

/** A pre-vote round nobody answered (yet): not shown. */
function hidden(e: LogEntry): boolean {
  return e.election !== undefined && e.election.preVote && e.votes!.length === 0;
}

/** An entry's line; an election's carries its votes, grouped by what decided them. */
function textOf(e: LogEntry): string {
  const votes = e.votes;
  if (votes === undefined || votes.length === 0) return e.text;
  return `${e.election!.head}: ${voteSummary(votes)}`;
}

/**
 * The votes of one election in a few words: who granted it, then each reason
 * for refusing or ignoring it with the voters it decided, each with the rule
 * (`votes from n3 n4 (§5.2); n1 refused: log not up to date (§5.4.1)`).
 */
export function voteSummary(votes: readonly VoteDecided[]): string {
  const byPhrase = new Map<string, Set<string>>();
  const granted = new Set<string>();
  for (const v of votes) {
    if (v.granted) {
      granted.add(v.voter);
      continue;
    }
    const phrase = votePhrase(v);
    const voters = byPhrase.get(phrase);
    if (voters === undefined) byPhrase.set(phrase, new Set([v.voter]));
    else voters.add(v.voter);
  }
  const parts: string[] = [];
  if (granted.size > 0) parts.push(votes[0]!.preVote ? `pre-votes from ${[...granted].join(' ')} (§9.6)` : `votes from ${[...granted].join(' ')} (§5.2)`);
  for (const [phrase, voters] of byPhrase) parts.push(`${[...voters].join(' ')} ${phrase}`);
  return parts.join('; ');
}

/** Why a vote was refused or ignored, with the rule: `refused: log not up to date (§5.4.1)`. */
export function votePhrase(v: VoteDecided): string {
  switch (v.reason) {
    case 'granted':
      return v.preVote ? 'granted the pre-vote (§9.6)' : 'granted the vote (§5.2)';
    case 'stale-term':
      return v.preVote ? `refused: already in term ${v.voterTerm} (§9.6)` : `refused: stale term, it is in term ${v.voterTerm} (§5.1)`;
    case 'already-voted':
      return `refused: already voted for ${v.votedFor ?? 'another'} in term ${v.voterTerm} (§5.2)`;
    case 'log-not-up-to-date':
      return `refused: log not up to date (§5.4.1)`;
    case 'ignored-leader-alive':
      return `ignored it: heard leader ${v.leader ?? '?'} within the minimum election timeout (§4.2.3)`;
    case 'ignored-is-leader':
      return 'ignored it: is the leader (§4.2.3)';
    case 'ignored-restarted':
      return 'ignored it: restarted within the minimum election timeout (§4.2.3)';
    case 'ignored-transfer-stale':
      return "ignored the transfer's request: heard a later heartbeat of the old leader (§3.10, §4.2.3)";
    case 'ignored-transfer-restarted':
      return "ignored the transfer's request: restarted within the minimum election timeout (§3.10, §4.2.3)";
    case 'leader-alive':
      return `refused: heard leader ${v.leader ?? '?'} within the minimum election timeout (§9.6)`;
    case 'is-leader':
      return 'refused: is the leader (§9.6)';
    case 'restarted':
      return 'refused: restarted within the minimum election timeout (§9.6)';
  }
}

export interface LogLineView {
  readonly atUs: Us;
  /** The model's name, `all`, or empty for a line about several models. */
  readonly model: string;
  readonly kind: EntryKind;
  readonly text: string;
}
