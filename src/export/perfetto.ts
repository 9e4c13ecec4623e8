import type { RunResult } from '../run/types.ts';
import type { Recording } from './recorder.ts';

/**
 * The run as a Chrome Trace Event file (the JSON Object Format), which
 * Perfetto's UI (ui.perfetto.dev), its trace processor and chrome://tracing
 * open:
 *
 * - a process per model (`pid` 1, 2, … in the scenario's order), named
 *   `MODEL (KIND)`; one more, `scenario`, holds the narration;
 * - in each, a thread per node (`tid` 1…N, named `n1`…) whose complete
 *   events (`ph: "X"`) are its roles: `follower t1`, `leader t3`,
 *   `primary e2`, `crashed`, …;
 * - every message a flow (`ph: "s"` on the sender at its send time, `ph:
 *   "f"` with `bp: "e"` on the receiver at its arrival), anchored on a
 *   zero-length slice at each end; a lost message's slice is named
 *   `… (dropped: REASON)`, category `message,dropped`, and its flow ends
 *   where it was lost (none for a message lost at send);
 * - faults, settle and violations as process-scoped instant events (`ph:
 *   "i"`, `s: "p"`) on the `cluster` thread (`tid` 0);
 * - a thread per client (`tid` 1000 + client, named `client c`) with an
 *   `X` slice per operation, `write k3 15: ok`, its fields in `args`;
 * - the leader's commit index as a counter (`ph: "C"`).
 *
 * `ts` and `dur` are microseconds of simulated time, the unit the format
 * uses: the file is a pure function of the run.
 */

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid?: number;
  readonly cat?: string;
  readonly s?: string;
  readonly id?: number;
  readonly bp?: string;
  readonly args?: Record<string, unknown>;
}

export const CLIENT_TID_BASE = 1000;
export const CLUSTER_TID = 0;

/** The file's text, one trace event per line. */
export function perfettoTrace(result: RunResult, recordings: readonly Recording[]): string {
  const narration = result.notes ?? [];
  const meta: TraceEvent[] = [];
  const events: TraceEvent[] = [];
  let flowId = 0;
  recordings.forEach((rec, m) => {
    const pid = m + 1;
    meta.push({ name: 'process_name', ph: 'M', pid, args: { name: `${rec.model} (${rec.kind})` } });
    meta.push({ name: 'process_sort_index', ph: 'M', pid, args: { sort_index: pid } });
    meta.push({ name: 'thread_name', ph: 'M', pid, tid: CLUSTER_TID, args: { name: 'cluster' } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid, tid: CLUSTER_TID, args: { sort_index: 0 } });
    const tidOf = new Map(rec.nodes.map((n, i) => [n, i + 1]));
    rec.nodes.forEach((n, i) => {
      meta.push({ name: 'thread_name', ph: 'M', pid, tid: i + 1, args: { name: n } });
      meta.push({ name: 'thread_sort_index', ph: 'M', pid, tid: i + 1, args: { sort_index: i + 1 } });
    });

    // Roles: each node's spans, one after another.
    for (const node of rec.nodes) {
      const spans = rec.roles.filter((r) => r.node === node);
      spans.forEach((span, k) => {
        const to = k + 1 < spans.length ? spans[k + 1]!.fromUs : rec.endUs;
        if (to <= span.fromUs && k + 1 < spans.length) return; // replaced within the same instant
        events.push({ name: roleName(span.role, span.term, rec.kind), ph: 'X', cat: 'role', ts: span.fromUs, dur: Math.max(0, to - span.fromUs), pid, tid: tidOf.get(node)!, args: { role: span.role, term: span.term } });
      });
    }

    // Messages: a zero-length slice at each end, joined by a flow.
    for (const msg of rec.messages) {
      const from = tidOf.get(msg.from)!;
      const to = tidOf.get(msg.to)!;
      const dropped = msg.outcome === 'dropped';
      const name = `${msg.message} ${msg.from}→${msg.to}${dropped ? ` (dropped: ${msg.reason})` : ''}`;
      const cat = dropped ? 'message,dropped' : 'message';
      const args = { message: msg.message, from: msg.from, to: msg.to, term: msg.term, sentUs: msg.sentUs, ...(msg.outcome === 'delivered' ? { deliveredUs: msg.endUs } : msg.outcome === 'dropped' ? { droppedUs: msg.endUs, reason: msg.reason } : { inFlightUntilUs: msg.endUs }), ...(msg.duplicate ? { duplicate: true } : {}) };
      events.push({ name, ph: 'X', cat, ts: msg.sentUs, dur: 0, pid, tid: from, args });
      // Lost at send (never on the wire) and still on the wire at the end: no arrow.
      if (msg.endUs === msg.sentUs && dropped) continue;
      if (msg.outcome === 'in-flight') continue;
      const id = ++flowId;
      events.push({ name: msg.message, ph: 's', cat, id, ts: msg.sentUs, pid, tid: from });
      events.push({ name: dropped ? `${msg.message} (dropped)` : msg.message, ph: 'X', cat, ts: msg.endUs, dur: 0, pid, tid: to, args });
      events.push({ name: msg.message, ph: 'f', bp: 'e', cat, id, ts: msg.endUs, pid, tid: to });
    }

    for (const f of rec.faults) {
      events.push({ name: f.text, ph: 'i', s: 'p', cat: f.settle ? 'settle' : f.skipped ? 'fault,skipped' : 'fault', ts: f.atUs, pid, tid: CLUSTER_TID, args: { injected: f.injected } });
    }
    for (const v of rec.violations) {
      events.push({ name: `${v.invariant}: ${v.detail}`, ph: 'i', s: 'p', cat: 'violation', ts: v.atUs, pid, tid: CLUSTER_TID, args: { invariant: v.invariant, detail: v.detail } });
    }
    // Every sample carries every node's commit index: Catapult (chrome://tracing) takes a counter's series
    // from its first sample and reads a series a later sample leaves out as 0; Perfetto draws either way.
    const commitIndex: Record<string, number> = {};
    for (const c of rec.commits) commitIndex[c.node] = 0;
    for (const c of rec.commits) {
      commitIndex[c.node] = c.index;
      events.push({ name: 'commit index', ph: 'C', cat: 'commit', ts: c.atUs, pid, args: { ...commitIndex } });
    }

    const clients = [...new Set(rec.ops.map((o) => o.client))].sort((a, b) => a - b);
    for (const c of clients) {
      meta.push({ name: 'thread_name', ph: 'M', pid, tid: CLIENT_TID_BASE + c, args: { name: `client ${c}` } });
      meta.push({ name: 'thread_sort_index', ph: 'M', pid, tid: CLIENT_TID_BASE + c, args: { sort_index: CLIENT_TID_BASE + c } });
    }
    for (const op of rec.ops) {
      const end = op.completedUs ?? rec.endUs;
      const outcome = op.outcome ?? 'pending';
      events.push({
        name: `${op.f} ${op.key}${op.f === 'read' && op.outcome !== 'ok' ? '' : ` ${valueText(op.value)}`}: ${outcome}`,
        ph: 'X',
        cat: `client,${outcome}`,
        ts: op.invokedUs,
        dur: Math.max(0, end - op.invokedUs),
        pid,
        tid: CLIENT_TID_BASE + op.client,
        args: { f: op.f, key: op.key, value: op.value, outcome, node: op.node, ...(op.error !== undefined ? { error: op.error } : {}) },
      });
    }
  });

  const scenarioPid = recordings.length + 1;
  meta.push({ name: 'process_name', ph: 'M', pid: scenarioPid, args: { name: 'scenario' } });
  meta.push({ name: 'process_sort_index', ph: 'M', pid: scenarioPid, args: { sort_index: scenarioPid } });
  meta.push({ name: 'thread_name', ph: 'M', pid: scenarioPid, tid: CLUSTER_TID, args: { name: 'notes' } });
  for (const n of narration) events.push({ name: n.text, ph: 'i', s: 'g', cat: 'note', ts: n.atUs, pid: scenarioPid, tid: CLUSTER_TID });

  // Time order (stable: within an instant, the order they were made in), metadata first.
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.ts! - b.e.ts! || a.i - b.i);
  const lines = [...meta, ...ordered.map((x) => x.e)].map((e) => JSON.stringify(e));
  const other = { raftsim: 'run', scenario: result.scenario, seed: result.seed, models: recordings.map((r) => r.model), timeUnit: 'simulated microseconds' };
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(other)},"traceEvents":[\n${lines.join(',\n')}\n]}\n`;
}

export function roleName(role: string, term: number, kind: string): string {
  if (role === 'crashed' || role === 'paused') return role;
  return `${role} ${kind === 'raft' ? 't' : 'e'}${term}`;
}

function valueText(v: unknown): string {
  if (Array.isArray(v)) return `${valueText(v[0])}→${valueText(v[1])}`;
  return v === null ? 'nil' : String(v);
}
