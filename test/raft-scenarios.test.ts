import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type ModelRun, type RunResult } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import type { Scenario } from '../src/scenario/types.ts';
import type { TraceWriter } from '../src/sim/trace.ts';
import type { HistoryEvent } from '../src/workload/history.ts';
import { grantedVotes } from '../src/lessons/facts.ts';
import { cli } from './helpers/cli.ts';

/**
 * The scenarios of scenarios/bugs/ and scenarios/raft/, checked for the
 * point each one teaches. (Every scenario's expect lines and transcript are
 * also covered by scenarios-golden.test.ts; here each rule gets its name.)
 */

function scenario(path: string): Scenario {
  return loadScenario(path);
}

/** The same scenario with every Raft model's bug switches removed. */
function withoutBugs(s: Scenario): Scenario {
  return { ...s, models: s.models.map((m) => (m.kind === 'raft' ? { ...m, bugs: [] } : m)) };
}

function model(result: RunResult, name: string): ModelRun {
  const run = result.runs.find((r) => r.name === name);
  if (run === undefined) throw new Error(`no model ${name} in ${result.scenario}`);
  return run;
}

/** Terms in which some node took office, from the event log. */
function leaderTerms(run: ModelRun): number[] {
  return run.log.flatMap((l) => {
    const m = /became leader of term (\d+)/.exec(l.text);
    return m === null ? [] : [Number(m[1])];
  });
}

function violated(run: ModelRun): string[] {
  return run.summary.violations.map((v) => v.invariant);
}

const BUG_DIR = 'scenarios/bugs';
const bugFiles = readdirSync(BUG_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** What each bug file teaches, and how the broken rule shows when the switch is on. */
const BUG_RULES: Record<string, { rule: string; shows: (result: RunResult) => void }> = {
  'commit-old-term.yaml': {
    rule: 'a leader commits only entries of its own term by counting replicas (Figure 8)',
    shows: (r) => expect(violated(r.runs[0]!)).toContain('Leader Completeness'),
  },
  'forget-vote.yaml': {
    rule: 'votedFor is persisted before a vote is answered, or a restarted node votes twice and a term gets two leaders',
    shows: (r) => {
      expect(violated(r.runs[0]!)[0]).toBe('Election Safety');
      const terms = leaderTerms(r.runs[0]!);
      expect(terms.filter((t) => t === 1)).toHaveLength(2);
    },
  },
  'no-up-to-date-check.yaml': {
    rule: 'a vote goes only to a candidate whose log is at least as up-to-date, or a stale node leads and overwrites committed entries',
    shows: (r) => {
      expect(violated(r.runs[0]!)).toEqual(expect.arrayContaining(['Leader Completeness', 'State Machine Safety']));
      expect(r.runs[0]!.summary.lostWrites).toBeGreaterThan(0);
    },
  },
  'reset-timer-on-any-rpc.yaml': {
    rule: 'a stale-term RPC resets no timer, or a stale leader’s heartbeats keep the cluster from electing',
    shows: (r) => {
      const run = r.runs[0]!;
      expect(violated(run)).toEqual([]);
      // From the real leader's crash at 3 s until the network heals at 6 s, nobody even stands for election.
      expect(run.log.filter((l) => l.atUs > 3_000_000 && l.atUs < 6_000_000 && /became leader/.test(l.text))).toEqual([]);
      expect(r.expectations.find((e) => e.field === 'rtoMs')?.ok).toBe(false);
    },
  },
  'read-without-quorum.yaml': {
    rule: 'a leader confirms it still leads before answering a read, or a deposed leader serves stale reads',
    shows: (r) => {
      expect(violated(r.runs[0]!)).toEqual([]);
      expect(r.runs[0]!.summary.staleReads).toBeGreaterThan(0);
    },
  },
};

describe('bug switches: each scenario in scenarios/bugs/ breaks its rule with the switch and is clean without it', () => {
  it('every bug file has a switch and a rule here', () => {
    for (const file of bugFiles) {
      expect(Object.keys(BUG_RULES), `${file} needs an entry in BUG_RULES`).toContain(file);
      const s = scenario(join(BUG_DIR, file));
      expect(s.models.some((m) => m.kind === 'raft' && (m.bugs ?? []).length > 0), `${file} switches no bug on`).toBe(true);
    }
  });

  it.each(bugFiles.filter((f) => f in BUG_RULES).map((f) => [BUG_RULES[f]!.rule, f] as const))('%s (bugs/%s)', async (_rule, file) => {
    const path = join(BUG_DIR, file);
    // As written: exit 1, a violation or a failed expect line.
    const written = await cli('run', path, '--json');
    expect(written.err).toBe('');
    expect(written.code).toBe(1);
    const summary = JSON.parse(written.out) as { models: Record<string, { violations: unknown[] }>; expectations: { ok: boolean }[] };
    const broken = Object.values(summary.models).some((m) => m.violations.length > 0) || summary.expectations.some((e) => !e.ok);
    expect(broken).toBe(true);

    const s = scenario(path);
    BUG_RULES[file]!.shows(runScenario(s));

    // The same file with the rule kept: no violation, every expect line holds.
    const fixed = runScenario(withoutBugs(s));
    for (const run of fixed.runs) expect(run.summary.violations, run.name).toEqual([]);
    expect(fixed.expectations.filter((e) => !e.ok)).toEqual([]);
  });
});

describe('Raft scenarios: the rule each one shows', () => {
  it('PreVote: a node that was partitioned away rejoins without raising the term or deposing the leader (raft/prevote-rejoin)', () => {
    const r = runScenario(scenario('scenarios/raft/prevote-rejoin.yaml'));
    const plain = model(r, 'raft');
    const preVote = model(r, 'raft-prevote');
    // Without PreVote the rejoining node's inflated term deposes a healthy leader...
    expect(plain.summary.leaderChanges).toBeGreaterThanOrEqual(1);
    expect(plain.log.some((l) => /stepped down/.test(l.text))).toBe(true);
    expect(Math.max(...leaderTerms(plain))).toBeGreaterThan(5);
    // ...with it, one leader for the whole run, and term 1 is the only term anyone ever led in.
    expect(preVote.summary.leaderChanges).toBe(0);
    expect(leaderTerms(preVote)).toEqual([1]);
    for (const run of r.runs) expect(run.summary.violations).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it('PreVote (§9.6): without it, nodes that cannot win an election keep raising the term and the one node that can never gets the vote it needs; with it the cluster converges (raft/dueling-candidates)', () => {
    const file = scenario('scenarios/raft/dueling-candidates.yaml');
    const r = runScenario(file);
    const plain = model(r, 'raft');
    const preVote = model(r, 'raft-prevote');
    // Without PreVote: no leader 3 s after every fault healed, terms far past the last leader's, and nothing unsafe.
    expect(plain.unconverged).toMatch(/no leader/);
    expect(violated(plain)).toEqual(['Promise: converges after settle']);
    const lastLed = Math.max(...leaderTerms(plain));
    const stood = (name: string) => grantedVotes(file).get(name)!.filter((v) => v.voter === null);
    expect(Math.max(...stood('raft').map((v) => v.term))).toBeGreaterThan(lastLed + 10);
    // n4, the only node whose configuration it can win, asks n1 again and again after the heal, and never wins.
    expect(stood('raft').filter((v) => v.candidate === 'n4' && v.atUs > file.durationUs).length).toBeGreaterThanOrEqual(5);
    // With it: the same faults, a leader at the end, and no term ever raised by a node that could not win.
    expect(preVote.unconverged).toBeNull();
    expect(preVote.summary.violations).toEqual([]);
    expect(Math.max(...leaderTerms(preVote))).toBeLessThan(lastLed);
    for (const run of r.runs) {
      expect(run.summary.lostWrites).toBe(0);
      expect(run.summary.linearizable).toBe(true);
    }
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it('reads: local reads are stale (followers trail the leader’s commit index, far more under a partition); log, readIndex and lease reads never are (raft/stale-reads)', () => {
    const r = runScenario(scenario('scenarios/raft/stale-reads.yaml'));
    expect(model(r, 'reads-local').summary.staleReads).toBeGreaterThan(0);
    expect(model(r, 'reads-local').summary.linearizable).toBe(false);
    for (const name of ['reads-log', 'reads-readindex', 'reads-lease']) {
      expect(model(r, name).summary.staleReads, name).toBe(0);
      expect(model(r, name).summary.linearizable, name).toBe(true);
    }
    for (const run of r.runs) expect(run.summary.violations).toEqual([]);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it('lease reads are safe only while clocks keep to the drift bound: a slow leader clock serves stale reads (raft/lease-drift)', () => {
    const r = runScenario(scenario('scenarios/raft/lease-drift.yaml'));
    expect(model(r, 'lease').summary.staleReads).toBe(0);
    expect(model(r, 'lease-drift').summary.staleReads).toBeGreaterThan(0);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it('leadership transfer hands office to the named node at once, and aborts after an election timeout when it cannot (raft/transfer)', () => {
    const run = runScenario(scenario('scenarios/raft/transfer.yaml')).runs[0]!;
    const transferAt = run.log.find((l) => /transfer \S+ -> n3: leadership transfer started/.test(l.text))!.atUs;
    const n3 = run.log.find((l) => l.text.startsWith('n3 became leader'))!;
    expect(n3.atUs - transferAt).toBeLessThan(50_000);
    expect(run.log.some((l) => /aborted the leadership transfer/.test(l.text))).toBe(true);
    expect(run.summary.leaderChanges).toBe(1);
    expect(run.summary.violations).toEqual([]);
  });

  it('membership changes one server at a time: grow from 3 to 5 voters and remove the leader, safely (raft/membership)', () => {
    const r = runScenario(scenario('scenarios/raft/membership.yaml'));
    const run = r.runs[0]!;
    expect(run.summary.violations).toEqual([]);
    expect(run.log.filter((l) => /configuration entry appended/.test(l.text))).toHaveLength(3);
    // The removed leader steps down once its removal commits and never leads again.
    const removedAt = run.log.find((l) => /^remove (\S+):/.test(l.text))!;
    const removed = /^remove (\S+):/.exec(removedAt.text)![1]!;
    expect(run.log.some((l) => l.atUs > removedAt.atUs && l.text === `${removed} stepped down in term 1`)).toBe(true);
    expect(run.log.filter((l) => l.atUs > removedAt.atUs && l.text.startsWith(`${removed} became leader`))).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });

  it('a follower that was down for a long time catches up through InstallSnapshot (raft/snapshot-catchup)', () => {
    const s = scenario('scenarios/raft/snapshot-catchup.yaml');
    const crashed = s.faults.find((f) => f.action === 'crash');
    expect(crashed).toBeDefined();
    const follower = (crashed as { target: string }).target;
    const run = runScenario(s).runs[0]!;
    const restartedAt = run.log.find((l) => l.text.startsWith('restart'))!.atUs;
    const installed = run.log.filter((l) => l.text.startsWith(`${follower} installed a snapshot`));
    expect(installed).toHaveLength(1);
    expect(installed[0]!.atUs).toBeGreaterThan(restartedAt);
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
  });

  it('a leader backs up over a long conflicting tail with a couple of rejections per follower, not one per entry (raft/fast-backup)', () => {
    // After 4 s n5 (last entry of term 2) takes office while n1 and n2 hold a long tail of conflicting term-1 entries.
    type Seen = { t: number; term: number; follower: string; prevIndex?: number; success?: boolean };
    const toFollowers: Seen[] = [];
    const fromFollowers: Seen[] = [];
    const writer: TraceWriter = {
      write(line) {
        if (!line.includes('"AppendEntries')) return;
        const r = JSON.parse(line) as { t: number; type: string; node: string; peer: string; msg: string; body: { term: number; prevIndex?: number; success?: boolean } };
        if (r.type !== 'deliver' || r.t < 4_000_000) return;
        if (r.msg === 'AppendEntries' && r.peer === 'n5') toFollowers.push({ t: r.t, term: r.body.term, follower: r.node, prevIndex: r.body.prevIndex! });
        if (r.msg === 'AppendEntriesReply' && r.node === 'n5') fromFollowers.push({ t: r.t, term: r.body.term, follower: r.peer, success: r.body.success! });
      },
    };
    const run = runScenario(scenario('scenarios/raft/fast-backup.yaml'), { traceWriter: () => writer }).runs[0]!;
    const elected = run.log.filter((l) => l.atUs > 4_000_000 && l.atUs < 5_500_000 && /became leader/.test(l.text));
    expect(elected.map((l) => l.text.split(' ')[0])).toEqual(['n5']);
    const term = Number(/term (\d+)/.exec(elected[0]!.text)![1]);
    for (const follower of ['n1', 'n2']) {
      const replies = fromFollowers.filter((r) => r.term === term && r.follower === follower);
      const accepted = replies.find((r) => r.success === true);
      expect(accepted, follower).toBeDefined();
      const rejections = replies.filter((r) => r.success === false && r.t < accepted!.t).length;
      // How far nextIndex went back before the follower accepted: the conflicting tail and more.
      const probes = toFollowers.filter((a) => a.term === term && a.follower === follower && a.t < accepted!.t).map((a) => a.prevIndex!);
      const backedOver = Math.max(...probes) - Math.min(...probes);
      expect(backedOver, follower).toBeGreaterThan(170);
      // A couple of rejections (and copies of AppendEntries already in flight), not one per entry.
      expect(rejections, follower).toBeGreaterThan(0);
      expect(rejections, follower).toBeLessThanOrEqual(6);
      // Within a few round trips (1-3 ms latency) of taking office.
      expect(accepted!.t - elected[0]!.atUs, follower).toBeLessThan(20_000);
    }
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
  });
});

/** The course test suites' harder cases: each scenario's own point, checked on its run. */
describe('Raft under the course test suites’ hard cases', () => {
  const s = (ms: number) => ms * 1000;
  const isWrite = (e: HistoryEvent) => e.f === 'write' || e.f === 'cas';
  /** The value a write or cas would leave in the key. */
  const written = (e: HistoryEvent) => JSON.stringify(e.f === 'cas' ? (e.value as readonly unknown[])[1] : e.value);
  const leadersBetween = (run: ModelRun, fromMs: number, toMs: number) =>
    run.log.filter((l) => l.atUs > s(fromMs) && l.atUs < s(toMs) && /became leader/.test(l.text));

  it('a cut-off leader is replaced within an election timeout or two; with no majority anywhere there is no leader at all (raft/reelection)', () => {
    const run = runScenario(scenario('scenarios/raft/reelection.yaml')).runs[0]!;
    // 1 s: the leader is isolated; the other two elect a new one.
    expect(leadersBetween(run, 1000, 1600)).toHaveLength(1);
    // 2.5 s: the old leader rejoins without disturbing anyone (PreVote).
    expect(leadersBetween(run, 2500, 4000)).toEqual([]);
    // 4 s - 5.5 s: three single-node islands; CheckQuorum makes the leader step down and nobody replaces it.
    expect(run.log.some((l) => l.atUs > s(4000) && l.atUs < s(4500) && /lost contact with a majority/.test(l.text))).toBe(true);
    expect(leadersBetween(run, 4000, 5500)).toEqual([]);
    // 5.5 s: two of three can talk again, and that is a majority.
    expect(leadersBetween(run, 5500, 7000)).toHaveLength(1);
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
  });

  it('no write is acknowledged while the leader has no majority (raft/no-agreement-without-majority)', () => {
    const run = runScenario(scenario('scenarios/raft/no-agreement-without-majority.yaml')).runs[0]!;
    // 1 s - 3 s: the leader keeps one follower of four. (A write sent just before 1 s may still complete at once.)
    const acknowledged = run.history.filter((e) => e.type === 'ok' && isWrite(e) && e.t > s(1050) && e.t < s(3000));
    expect(acknowledged).toEqual([]);
    expect(run.history.some((e) => e.type === 'info' && isWrite(e) && e.t > s(1050) && e.t < s(3000))).toBe(true);
    // Once healed, writes commit again.
    expect(run.history.some((e) => e.type === 'ok' && isWrite(e) && e.t > s(3000))).toBe(true);
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
  });

  it('a deposed leader’s uncommitted entries are replaced when it rejoins, never committed (raft/deposed-leader-rejoins)', () => {
    const sc = scenario('scenarios/raft/deposed-leader-rejoins.yaml');
    const run = runScenario(sc).runs[0]!;
    expect(run.log.find((l) => l.atUs === s(1000))?.text).toBe('isolate n2');
    // Client 2 is bound to n2, the leader cut off from 1 s to 2.5 s: its writes then reach only n2's log.
    const stranded = run.history.filter((e) => e.process === 2 && e.type === 'info' && isWrite(e) && e.t > s(1100) && e.t < s(2500));
    expect(stranded.length).toBeGreaterThan(5);
    const effective = new Set(run.authoritative.map((w) => `${w.key}=${JSON.stringify(w.value)}`));
    for (const e of stranded) expect(effective.has(`${e.key}=${written(e)}`), `${e.key}=${written(e)}`).toBe(false);
    expect(run.summary.leaderChanges).toBe(2);
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
  });

  it('every acknowledged write survives the crash of every node at once: term, vote and log are on disk (raft/persistence)', () => {
    const run = runScenario(scenario('scenarios/raft/persistence.yaml')).runs[0]!;
    expect(run.log.filter((l) => l.text === 'restart n1 n2 n3 n4 n5')).toHaveLength(2);
    const effective = new Set(run.authoritative.map((w) => `${w.key}=${JSON.stringify(w.value)}`));
    const acknowledged = run.history.filter((e) => e.type === 'ok' && e.f === 'write');
    expect(acknowledged.length).toBeGreaterThan(100);
    for (const e of acknowledged) expect(effective.has(`${e.key}=${written(e)}`), `${e.key}=${written(e)}`).toBe(true);
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.linearizable).toBe(true);
  });

  it.each(['churn-reliable', 'churn-unreliable'])('random crashes, restarts, cuts and partitions never break safety (raft/%s)', (name) => {
    const r = runScenario(scenario(`scenarios/raft/${name}.yaml`));
    for (const run of r.runs) {
      expect(run.summary.violations, run.name).toEqual([]);
      expect(run.summary.lostWrites, run.name).toBe(0);
      expect(run.summary.staleReads, run.name).toBe(0);
      expect(run.summary.dirtyReads, run.name).toBe(0);
      expect(run.summary.linearizable, run.name).toBe(true);
      expect(run.summary.leaderChanges, run.name).toBeGreaterThanOrEqual(3);
    }
    expect(r.expectations.filter((e) => !e.ok)).toEqual([]);
  });
});
