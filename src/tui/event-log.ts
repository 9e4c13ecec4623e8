import type { Us } from '../core/time.ts';
import type { RunEvent } from '../run/events.ts';

/**
 * The terminal UI's event log: what the runs told, kept as plain entries
 * tagged with the event that caused them, so going back (a `rewind`) drops
 * exactly the entries of the events undone and stepping forward again
 * re-adds the same ones. Commits and client failures are kept one entry
 * each and aggregated when shown.
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
}

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
        this.rewind(model, e.event);
        return;
      case 'fault':
        this.add(model, e, 'fault', e.injected ? `${e.text} (by hand)` : e.text, 0);
        return;
      case 'settle':
        this.add(model, e, 'settle', e.text, 0);
        return;
      case 'role':
        // Leaders and primaries taking office are told by the models' notes (below).
        if (e.role === 'candidate') this.add(model, e, 'election', `${e.node} timed out, stands for term ${e.term} (§5.2)`, 0);
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

  private add(model: string, at: { event: number; atUs: Us }, kind: EntryKind, text: string, n: number): void {
    if (at.event === 0 && this.entries.some((e) => e.event === 0 && e.model === model && e.kind === kind && e.text === text)) return;
    // In time order (the runs of a group are advanced one after the other, slice by slice), faults and settle first in their instant (they run first).
    const entry: LogEntry = { model, event: at.event, atUs: at.atUs, kind, text, n };
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

  private rewind(model: string, event: number): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.model !== model || e.event <= event);
    if (this.entries.length !== before) this.version++;
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
    let i = this.entries.length - 1;
    while (i >= 0 && out.length < count) {
      const e = this.entries[i]!;
      if (e.kind === 'commit' || e.kind === 'client-fail') {
        let j = i;
        const commits = new Map<string, { n: number; from: number; to: number }>();
        const failed = new Map<string, Set<number>>();
        while (j >= 0 && (this.entries[j]!.kind === 'commit' || this.entries[j]!.kind === 'client-fail')) {
          const m = this.entries[j]!;
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
        out.push({ atUs: this.entries[j + 1]!.atUs, model: commits.size + failed.size === 1 ? e.model : '', kind: failed.size > 0 ? 'client-fail' : 'commit', text: parts.join(' · ') });
        i = j;
        continue;
      }
      // The same line from every model at one instant: once.
      let j = i;
      const same: string[] = [];
      while (j >= 0 && this.entries[j]!.atUs === e.atUs && this.entries[j]!.text === e.text && this.entries[j]!.kind === e.kind) {
        same.push(this.entries[j]!.model);
        j--;
      }
      const all = models.length > 1 && models.every((m) => same.includes(m));
      if (all) {
        out.push({ atUs: e.atUs, model: 'all', kind: e.kind, text: e.text });
        i = j;
      } else {
        out.push({ atUs: e.atUs, model: e.kind === 'narration' ? 'note' : e.model, kind: e.kind, text: e.text });
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

export interface LogLineView {
  readonly atUs: Us;
  /** The model's name, `all`, or empty for a line about several models. */
  readonly model: string;
  readonly kind: EntryKind;
  readonly text: string;
}
