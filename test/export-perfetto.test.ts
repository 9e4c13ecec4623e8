import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

/**
 * `raftsim run --trace FILE --trace-format perfetto` writes the Chrome
 * Trace Event Format (its JSON Object Format) that Perfetto's UI, its trace
 * processor and chrome://tracing open. Checked against the format's
 * documented fields: every event has `name`, `ph`, `pid` (and `ts`, `tid`
 * where its phase needs them); a complete event (`X`) a `dur` ≥ 0; an
 * instant (`i`) a scope `s` of g, p or t; a flow start (`s`) and its end
 * (`f`, `bp: "e"`) the same `id`, `cat` and `name`, the end not before the
 * start, each on a slice of its thread (Perfetto binds a flow to the slice
 * that encloses it); metadata (`M`) names every process and thread used;
 * counters (`C`) numeric values; and the complete events of a thread nest
 * (Perfetto drops slices that overlap without nesting).
 */

interface Ev {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  cat?: string;
  s?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

const dir = mkdtempSync(join(tmpdir(), 'raftsim-perfetto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let trace: { traceEvents: Ev[]; displayTimeUnit: string; otherData: Record<string, unknown> };
let text: string;
let summary: { models: Record<string, { kind: string; messages: { sent: number; delivered: number; dropped: number }; traceHash: string }> };

beforeAll(async () => {
  const path = join(dir, 'split-brain.json');
  const run = await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--trace', path, '--trace-format', 'perfetto');
  expect(run.code).toBe(0);
  summary = JSON.parse(run.out);
  text = readFileSync(path, 'utf8');
  trace = JSON.parse(text);
}, 120_000);

const PHASES = new Set(['B', 'E', 'X', 'i', 'I', 'C', 'b', 'n', 'e', 's', 't', 'f', 'P', 'O', 'N', 'D', 'M']);
const METADATA = new Set(['process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index']);

describe('the Perfetto trace of split-brain', () => {
  it('is the JSON Object Format: traceEvents, displayTimeUnit ms or ns, otherData', () => {
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(['ms', 'ns']).toContain(trace.displayTimeUnit);
    expect(trace.otherData).toMatchObject({ scenario: 'split-brain', seed: 1 });
  });

  it('gives every event the documented fields of its phase', () => {
    // Problems collected, then compared once: a hundred thousand expect() calls would take a minute.
    const problems: string[] = [];
    const check = (ok: boolean, what: string, e: Ev) => {
      if (!ok && problems.length < 20) problems.push(`${what}: ${JSON.stringify(e)}`);
    };
    for (const e of trace.traceEvents) {
      check(typeof e.name === 'string', 'name', e);
      check(PHASES.has(e.ph), 'ph', e);
      check(Number.isInteger(e.pid), 'pid', e);
      if (e.ph === 'M') {
        check(METADATA.has(e.name) && typeof e.args === 'object', 'metadata', e);
        continue;
      }
      check(Number.isFinite(e.ts) && e.ts! >= 0, 'ts', e);
      if (e.ph !== 'C') check(Number.isInteger(e.tid), 'tid', e);
      if (e.ph === 'X') check(Number.isFinite(e.dur) && e.dur! >= 0, 'dur', e);
      if (e.ph === 'i') check(['g', 'p', 't'].includes(e.s!), 'instant scope', e);
      if (e.ph === 'C') check(Object.values(e.args!).every((v) => typeof v === 'number'), 'counter values', e);
      if (e.ph === 's' || e.ph === 'f') check(Number.isInteger(e.id), 'flow id', e);
      if (e.ph === 'f') check(e.bp === 'e', 'flow end binding', e);
    }
    expect(problems).toEqual([]);
  });

  it('names a process per model and a thread per node, every pid and tid used', () => {
    const processes = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => [e.pid, e.args!['name']]));
    expect([...processes.values()]).toEqual([...Object.entries(summary.models).map(([m, s]) => `${m} (${s.kind})`), 'scenario']);
    const threads = new Set(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    const unnamed = new Set<string>();
    for (const e of trace.traceEvents) {
      if (e.ph === 'M') continue;
      if (!processes.has(e.pid)) unnamed.add(`process ${e.pid}`);
      if (e.tid !== undefined && !threads.has(`${e.pid}/${e.tid}`)) unnamed.add(`thread ${e.pid}/${e.tid}`);
    }
    expect([...unnamed]).toEqual([]);
    for (let pid = 1; pid <= 3; pid++) {
      const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid).map((e) => e.args!['name']);
      expect(names).toEqual(expect.arrayContaining(['cluster', 'n1', 'n2', 'n3', 'n4', 'n5', 'client 1', 'client 5']));
    }
  });

  it("draws each node's roles as spans that cover the run, one after another", () => {
    for (let pid = 1; pid <= 3; pid++) {
      for (let tid = 1; tid <= 5; tid++) {
        const roles = trace.traceEvents.filter((e) => e.pid === pid && e.tid === tid && e.cat === 'role');
        expect(roles[0]!.ts).toBe(0);
        for (let k = 1; k < roles.length; k++) expect(roles[k]!.ts).toBe(roles[k - 1]!.ts! + roles[k - 1]!.dur!);
        expect(roles.at(-1)!.ts! + roles.at(-1)!.dur!).toBe(25_000_000);
      }
    }
    const raftRoles = new Set(trace.traceEvents.filter((e) => e.pid === 1 && e.cat === 'role').map((e) => e.args!['role']));
    expect([...raftRoles].sort()).toEqual(expect.arrayContaining(['candidate', 'follower', 'leader']));
    const prRoles = new Set(trace.traceEvents.filter((e) => e.pid === 2 && e.cat === 'role').map((e) => e.args!['role']));
    expect([...prRoles].sort()).toEqual(expect.arrayContaining(['primary', 'replica']));
  });

  it("nests every thread's complete events (none overlaps another without containing it)", () => {
    const byThread = new Map<string, Ev[]>();
    for (const e of trace.traceEvents) {
      if (e.ph !== 'X') continue;
      const k = `${e.pid}/${e.tid}`;
      if (!byThread.has(k)) byThread.set(k, []);
      byThread.get(k)!.push(e);
    }
    const problems: string[] = [];
    for (const [thread, xs] of byThread) {
      const sorted = [...xs].sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
      const open: number[] = [];
      for (const e of sorted) {
        while (open.length > 0 && open.at(-1)! <= e.ts! && !(open.at(-1)! === e.ts! && e.dur === 0)) open.pop();
        if (open.length > 0 && e.ts! + e.dur! > open.at(-1)!) problems.push(`${thread} ${e.name} at ${e.ts}`);
        open.push(e.ts! + e.dur!);
      }
    }
    expect(problems).toEqual([]);
  });

  it('joins each message from send to delivery by a flow on slices of both nodes; lost ones are marked', () => {
    const starts = new Map<number, Ev>();
    const slices = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat?.startsWith('message'));
    const sliceAt = new Set(slices.map((x) => `${x.pid}/${x.tid}/${x.ts}`));
    const onSlice = (e: Ev) => sliceAt.has(`${e.pid}/${e.tid}/${e.ts}`);
    for (const e of trace.traceEvents) if (e.ph === 's') starts.set(e.id!, e);
    const ends = trace.traceEvents.filter((e) => e.ph === 'f');
    expect(ends.length).toBe(starts.size);
    const problems: string[] = [];
    for (const f of ends) {
      const s = starts.get(f.id!);
      if (s === undefined || f.name !== s.name || f.cat !== s.cat || f.pid !== s.pid || f.ts! < s.ts! || !onSlice(s) || !onSlice(f)) problems.push(JSON.stringify([s, f]));
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // Per model: a flow per message delivered or lost on the way; a slice at the sender for every message.
    Object.values(summary.models).forEach((m, i) => {
      const pid = i + 1;
      const sent = slices.filter((x) => x.pid === pid && x.args!['sentUs'] === x.ts && x.name.includes('→'));
      const delivered = sent.filter((x) => x.args!['deliveredUs'] !== undefined).length;
      const dropped = sent.filter((x) => x.cat === 'message,dropped');
      expect(delivered).toBe(m.messages.delivered);
      expect(dropped.length).toBe(m.messages.dropped);
      for (const d of dropped) expect(d.name).toMatch(/\(dropped: (link-down|random-loss|link-down-at-arrival|receiver-down)\)$/);
    });
  });

  it('marks faults as instants across the cluster, and the clients as their own tracks', () => {
    const faults = trace.traceEvents.filter((e) => e.cat === 'fault' && e.pid === 1);
    expect(faults.map((e) => [e.ts, e.s, e.name])).toEqual([
      [5_000_000, 'p', 'partition [n2 n1] [n3 n4 n5]'],
      [12_000_000, 'p', 'heal'],
    ]);
    const ops = trace.traceEvents.filter((e) => e.pid === 1 && e.cat?.startsWith('client,'));
    expect(ops.length).toBeGreaterThan(100);
    for (const op of ops) {
      expect(op.tid!).toBeGreaterThan(1000);
      expect(op.name).toMatch(/^(read|write|cas) k\d.*: (ok|fail|info|pending)$/);
    }
  });

  it("gives every leader's commit index in every counter sample (a viewer reads a series a sample leaves out as 0)", () => {
    const samples = trace.traceEvents.filter((e) => e.pid === 1 && e.ph === 'C' && e.name === 'commit index');
    expect(samples.length).toBeGreaterThan(10);
    // The two leaders of the split brain: n2 (term 1, cut into the minority) and n5 (term 3).
    const nodes = Object.keys(samples[0]!.args!).sort();
    expect(nodes).toEqual(['n2', 'n5']);
    const last: Record<string, number> = {};
    for (const s of samples) {
      expect(Object.keys(s.args!).sort()).toEqual(nodes);
      // A node's commit index never goes back, and each sample changes at most one node's.
      const changed = nodes.filter((n) => (s.args![n] as number) !== (last[n] ?? 0));
      expect(changed.length).toBeLessThanOrEqual(1);
      for (const n of nodes) {
        expect(s.args![n] as number).toBeGreaterThanOrEqual(last[n] ?? 0);
        last[n] = s.args![n] as number;
      }
    }
    expect(last.n5).toBeGreaterThan(0);
  });

  it('is the same file on every run of the same scenario and seed (no wall clock)', async () => {
    const again = join(dir, 'again.json');
    await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--trace', again, '--trace-format', 'perfetto');
    expect(readFileSync(again, 'utf8')).toBe(text);
  });
});
