import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventLog, textReport } from '../src/cli/report.ts';
import type { RunEvent } from '../src/run/events.ts';
import { RunGroup } from '../src/run/group.ts';
import { runModel, runScenario } from '../src/run/run.ts';
import { SteppableRun } from '../src/run/steppable.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { LiveRun } from '../src/tui/live-run.ts';

/**
 * A scenario's narration (`notes:`): told by a steppable run at its moment —
 * once every event at or before its time has run, before any later one — and
 * printed in the text report's event log, without touching the simulation.
 */

const S = 1_000_000;

const BASE = `name: narrated
seed: 3
duration: 3s
settle: 1s
nodes: 3
network: { latency: 2ms..8ms }
models:
  - kind: raft
  - kind: primary-replica
    name: async
    replication: async
    failover: auto
    failoverTimeout: 400ms
workload: { clients: 3, interval: 30ms, timeout: 300ms, keys: 2, reads: 0.4 }
faults:
  - at: 1s
    crash: leader
  - at: 2s
    restart: all
`;

const NOTES = `notes:
  - at: 2s
    text: the crashed node restarts
  - at: 1s
    text: the leader crashes
  - at: 1.2345s
    text: between two events
  - at: 4s
    text: the end
`;

const plain = () => parseScenario(BASE, 'narrated.yaml');
const narrated = () => parseScenario(BASE + NOTES, 'narrated.yaml');

/** Every event a run tells while it runs to its end, with `subscribe` from the start. */
function told(run: SteppableRun, drive: (run: SteppableRun) => void = (r) => r.runUntil(r.endUs)): RunEvent[] {
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  drive(run);
  return events;
}

describe('notes are told at their moment and change nothing in the simulation', () => {
  it('the traceHash and figures are those of the scenario without notes, listened to or not', () => {
    const base = plain();
    const withNotes = narrated();
    for (const spec of withNotes.models) {
      const expected = runModel(base, spec, base.seed).summary;
      expect(runModel(withNotes, spec, withNotes.seed).summary).toEqual(expected);
      const run = new SteppableRun(withNotes, spec);
      told(run);
      expect(run.finish().summary).toEqual(expected);
    }
  });

  it('a note is told after every event at or before its time and before every later event, in time order', () => {
    const scenario = narrated();
    for (const spec of scenario.models) {
      const events = told(new SteppableRun(scenario, spec));
      const narration = events.filter((e) => e.type === 'narration');
      expect(narration.map((n) => [n.atUs, n.text])).toEqual([
        [1 * S, 'the leader crashes'],
        [1.2345 * S, 'between two events'],
        [2 * S, 'the crashed node restarts'],
        [4 * S, 'the end'],
      ]);
      for (const note of narration) {
        const at = events.indexOf(note);
        expect(events.slice(0, at).every((e) => e.atUs <= note.atUs)).toBe(true);
        expect(events.slice(at + 1).every((e) => e.type === 'narration' || e.atUs > note.atUs)).toBe(true);
      }
      // The fault of the note's instant comes before the note.
      const crash = events.findIndex((e) => e.type === 'fault' && e.atUs === 1 * S);
      expect(crash).toBeGreaterThanOrEqual(0);
      expect(crash).toBeLessThan(events.indexOf(narration[0]!));
    }
  });

  it('stepping one event at a time tells each note once, just before the first event after it', () => {
    const scenario = narrated();
    const spec = scenario.models[0]!;
    const stepped = told(new SteppableRun(scenario, spec), (r) => {
      while (r.step());
    });
    const ran = told(new SteppableRun(scenario, spec));
    expect(stepped.filter((e) => e.type === 'narration')).toEqual(ran.filter((e) => e.type === 'narration'));
  });

  it('runUntil stops at a note when asked, with the clock at its time, and goes on to the same end', () => {
    const scenario = narrated();
    const spec = scenario.models[0]!;
    const run = new SteppableRun(scenario, spec);
    const stops: number[] = [];
    while (run.runUntil(run.endUs, { stopWhen: (e) => e.type === 'narration' }) === 'stopped') stops.push(run.nowUs);
    expect(stops).toEqual([1 * S, 1.2345 * S, 2 * S, 4 * S]);
    expect(run.finish().summary).toEqual(runModel(scenario, spec, scenario.seed).summary);
  });

  it('a run stopped at a note tells no other note before it goes on: notes sharing an instant, and at the end of the run, each stop it in turn', () => {
    const scenario = parseScenario(`${BASE}notes:\n  - { at: 1s, text: a }\n  - { at: 1s, text: b }\n  - { at: 1.2345s, text: c }\n  - { at: 1.2345s, text: d }\n  - { at: 4s, text: e }\n  - { at: 4s, text: f }\n`, 'x.yaml');
    for (const spec of scenario.models) {
      const run = new SteppableRun(scenario, spec);
      const told: string[] = [];
      run.subscribe((e) => e.type === 'narration' && told.push(e.text));
      const stops: string[] = [];
      let stopper = '';
      while (run.runUntil(run.endUs, { stopWhen: (e) => e.type === 'narration' && ((stopper = e.text), true) }) === 'stopped') {
        // Stopped at a note: it is the last told, and the clock is at its time.
        expect(told.at(-1)).toBe(stopper);
        stops.push(`${stopper}@${run.nowUs / S}`);
      }
      expect(stops).toEqual(['a@1', 'b@1', 'c@1.2345', 'd@1.2345', 'e@4', 'f@4']);
      expect(told).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(run.finish().summary).toEqual(runModel(scenario, spec, scenario.seed).summary);
    }
    // The terminal UI, played with space, pauses at each of them.
    const live = new LiveRun(scenario, { source: '' });
    const shown: string[] = [];
    try {
      while (live.speed !== Infinity) live.faster();
      for (let guard = 0; guard < 1_000 && !(live.atEnd && live.note === null); guard++) {
        if (live.note === null) {
          live.togglePlay();
          live.slice();
          if (live.playing) live.togglePlay();
        } else {
          shown.push(live.note);
          live.keyPressed();
        }
      }
    } finally {
      live.dispose();
    }
    expect(shown).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('going back forgets the notes after the new position and tells them again going forward', () => {
    const scenario = narrated();
    const run = new SteppableRun(scenario, scenario.models[0]!);
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    run.runUntil(2.5 * S);
    expect(run.narration.map((n) => n.text)).toEqual(['the leader crashes', 'between two events', 'the crashed node restarts']);
    run.seekTime(1.1 * S);
    expect(run.narration.map((n) => n.text)).toEqual(['the leader crashes']);
    events.length = 0;
    run.runUntil(2.5 * S);
    expect(events.filter((e) => e.type === 'narration').map((e) => e.atUs)).toEqual([1.2345 * S, 2 * S]);
  });

  it('a group tells every note in every run, each when its clock reaches it', () => {
    const scenario = narrated();
    const group = new RunGroup(scenario);
    const heard: string[] = [];
    group.subscribe((model, e) => e.type === 'narration' && heard.push(`${model}: ${e.text}`));
    group.runUntil(1.5 * S);
    expect(heard).toEqual(['raft: the leader crashes', 'raft: between two events', 'async: the leader crashes', 'async: between two events']);
    expect(group.finish().notes?.map((n) => n.text)).toEqual(['the leader crashes', 'between two events', 'the crashed node restarts', 'the end']);
  });
});

describe('the text report prints the notes in the event log', () => {
  it('each note after the lines of its instant, in every model; the rest of the report as without notes', () => {
    const withNotes = runScenario(narrated());
    const without = runScenario(plain());
    for (const run of withNotes.runs) {
      const log = eventLog(run, withNotes.notes);
      const crash = log.findIndex((l) => l.atUs === 1 * S && /^crash /.test(l.text));
      expect(log[crash + 1]).toEqual({ atUs: 1 * S, text: 'note  the leader crashes' });
      const settle = log.findIndex((l) => l.text.startsWith('settle'));
      expect(log.slice(settle + 1).map((l) => l.text)).toEqual(['note  the end']);
      expect(log.filter((l) => !l.text.startsWith('note  '))).toEqual(run.log);
    }
    const report = textReport(withNotes, '');
    expect(report.match(/^ {7}2s {2}note {2}the crashed node restarts$/gm)).toHaveLength(2);
    expect(report.split('\n').filter((l) => !/ note {2}/.test(l))).toEqual(textReport(without, '').split('\n'));
  });

  it('--until leaves out the notes after it; a note escapes control characters', () => {
    const scenario = parseScenario(BASE + 'notes: [{at: 1s, text: "a \\u001b[31mred\\u001b[0m word"}, {at: 2.5s, text: later}]\n', 'x.yaml');
    const result = runScenario(scenario, { untilUs: 2 * S });
    expect(result.notes).toEqual([{ atUs: 1 * S, text: 'a \u001b[31mred\u001b[0m word' }]);
    const report = textReport(result, '');
    expect(report).toContain("note  a \\x1b[31mred\\x1b[0m word");
    expect(report).not.toContain('later');
  });
});

/**
 * The first-lesson scenarios' notes name times, nodes and counts of their
 * runs. These are the facts they rest on: when one fails, the behaviour
 * changed and the notes of that scenario must be checked against the run
 * again (and rewritten where they no longer hold).
 */
describe('the first-lesson notes still tell their runs', () => {
  const ms = 1000;
  /** The time of the first event-log line matching `pattern` (it must exist). */
  const at = (result: ReturnType<typeof runScenario>, model: string, pattern: RegExp): number => {
    const line = result.runs.find((r) => r.name === model)!.log.find((l) => pattern.test(l.text));
    expect(line, `${model}: a line matching ${pattern}`).toBeDefined();
    return line!.atUs;
  };
  /** The first ok completion of `client` in `model` in [fromUs, toUs], or undefined. */
  const firstOk = (result: ReturnType<typeof runScenario>, model: string, client: number, fromUs: number, f?: string): number | undefined =>
    result.runs.find((r) => r.name === model)!.history.find((e) => e.process === client && e.type === 'ok' && e.t >= fromUs && (f === undefined || e.f === f))?.t;
  const load = (file: string) => runScenario(parseScenario(readFileSync(file, 'utf8'), file));

  it('leader-in-minority', () => {
    const r = load('scenarios/leader-in-minority.yaml');
    expect(at(r, 'raft', /^n2 became leader of term 1$/)).toBeLessThan(200 * ms);
    const n5 = at(r, 'raft', /^n5 became leader of term 3$/);
    expect(n5).toBeGreaterThan(5230 * ms);
    expect(n5).toBeLessThanOrEqual(5240 * ms);
    const down = at(r, 'raft', /^n2 stepped down in term 3$/);
    expect(down).toBeGreaterThan(12_000 * ms);
    expect(down).toBeLessThanOrEqual(12_030 * ms);
    for (const client of [1, 2]) {
      expect(firstOk(r, 'raft', client, 5100 * ms)).toBeGreaterThanOrEqual(12_380 * ms - 10 * ms);
      expect(firstOk(r, 'raft', client, 5100 * ms)).toBeLessThanOrEqual(12_450 * ms);
    }
    expect(r.runs[0]!.summary.lostWrites).toBe(0);
  });

  it('leader-crash', () => {
    const r = load('scenarios/leader-crash.yaml');
    const n5 = at(r, 'raft', /^n5 became leader of term 2$/);
    expect(n5).toBeGreaterThan(5222 * ms);
    expect(n5).toBeLessThan(5260 * ms);
    const read = firstOk(r, 'raft', 5, 5000 * ms);
    expect(read).toBeGreaterThan(n5);
    expect(read).toBeLessThan(5260 * ms);
    for (const client of [1, 3, 4]) {
      expect(firstOk(r, 'raft', client, 5000 * ms)).toBeGreaterThan(5900 * ms);
      expect(firstOk(r, 'raft', client, 5000 * ms)).toBeLessThanOrEqual(6130 * ms);
    }
    expect(firstOk(r, 'raft', 2, 5000 * ms)).toBeGreaterThan(10_000 * ms);
    expect(firstOk(r, 'raft', 2, 5000 * ms)).toBeLessThan(10_310 * ms);
  });

  it('figure-8', () => {
    const r = load('scenarios/figure-8.yaml');
    const within = (pattern: RegExp, fromMs: number, toMs: number) => {
      const t = at(r, 'raft', pattern);
      expect(t).toBeGreaterThan(fromMs * ms);
      expect(t).toBeLessThanOrEqual(toMs * ms);
    };
    within(/^n5 became leader of term 2$/, 2850, 3030);
    within(/^n1 became leader of term 3$/, 3500, 3770);
    within(/^n5 became leader of term 4$/, 3820, 4050);
    expect(r.runs[0]!.summary.violations).toEqual([]);
  });

  it('cap/split-brain', () => {
    const r = load('scenarios/cap/split-brain.yaml');
    expect(at(r, 'raft', /^n5 became leader of term 3$/)).toBe(5_237_131);
    for (const model of ['async-failover', 'sync-2-standbys']) {
      expect(at(r, model, /^n1 lost the leader lock of epoch 1 but keeps acting as primary/)).toBeLessThanOrEqual(5667 * ms);
      expect(at(r, model, /took office as primary of epoch 2$/)).toBeLessThanOrEqual(5930 * ms);
    }
    expect(at(r, 'async-failover', /^n5 took office/)).toBeGreaterThan(0);
    expect(at(r, 'sync-2-standbys', /^n3 took office/)).toBeGreaterThan(0);
    expect(at(r, 'async-failover', /^n1 discarded .* \(pg_rewind\)$/)).toBeLessThanOrEqual(12_340 * ms);
    // The writes n1 acknowledged from the partition until it stepped down (its clients' and n2's) are the lost writes.
    const async = r.runs.find((m) => m.name === 'async-failover')!;
    const stepDown = at(r, 'async-failover', /^n1 stepped down as primary of epoch 1/);
    const deposed = async.history.filter((e) => (e.process === 1 || e.process === 2) && e.type === 'ok' && e.f === 'write' && e.t >= 5000 * ms && e.t < stepDown);
    expect(async.summary.lostWrites).toBe(deposed.length);
    const kept = new Set(async.authoritative.map((w) => `${w.key}=${JSON.stringify(w.value)}`));
    expect(deposed.filter((e) => kept.has(`${e.key}=${JSON.stringify(e.value)}`))).toEqual([]);
    // The sync cluster's stranded primary answers reads (stale ones among them) while its writes time out.
    const sync = r.runs.find((m) => m.name === 'sync-2-standbys')!;
    const minority = sync.history.filter((e) => (e.process === 1 || e.process === 2) && e.type !== 'invoke' && e.t > 6000 * ms && e.t < 12_000 * ms);
    expect(minority.filter((e) => e.f === 'write').every((e) => e.type === 'info')).toBe(true);
    expect(minority.filter((e) => e.f === 'read').every((e) => e.type === 'ok')).toBe(true);
    expect(sync.summary.staleReads).toBeGreaterThan(0);
  });
});
