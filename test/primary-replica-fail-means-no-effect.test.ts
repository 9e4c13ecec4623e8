import { describe, expect, it } from 'vitest';
import { operations } from '../src/check/figures.ts';
import type { ClientOp, Value } from '../src/core/protocol.ts';
import { MsgKind, type Forward, type ForwardReply, type PrimaryReplicaConfig, type Ship } from '../src/protocols/primary-replica/types.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { bootPrimaryReplica, primaryReplicaConfig } from './helpers/primary-replica.ts';

/**
 * `fail` means "definitely had no effect". A replica forwards its client's
 * request over a network that may deliver it twice, so a node that refuses
 * one copy ("not primary") cannot know that no other copy was or will be
 * appended — by itself in a tenure that began or ended between the copies.
 * A refused write is therefore indeterminate (the client records `info`);
 * only a refused read, or a request that never left its node, is `fail`.
 */


const config = (overrides: Partial<PrimaryReplicaConfig> = {}): PrimaryReplicaConfig => primaryReplicaConfig({ replication: 'sync', ...overrides });

function boot(self: number, n: number) {
  return bootPrimaryReplica(self, n, config());
}

const write = (key: string, value: number): ClientOp => ({ f: 'write', key, value });
const forward = (client: number, seq: number, op: ClientOp): Forward => ({ kind: MsgKind.Forward, term: 1, client, seq, op });

describe('a refused request is fail only when no copy of it can take effect', () => {
  it('a forwarded write refused by a node that is no longer primary is indeterminate: its other copy was appended before the demotion', () => {
    const { node, ctx, stable } = boot(0, 3);
    // The first copy of n2's Forward arrives: appended at index 1, shipped, waiting for the sync standby.
    node.onMessage(1, forward(7, 1, write('k', 42)));
    expect(node.lastIndex()).toBe(1);
    // n3 takes over at epoch 2 holding that entry (it received the shipment): n1 demotes itself.
    const inherited = stable.log[1]!;
    node.onMessage(2, { kind: MsgKind.Ship, term: 2, prevIndex: 0, prevEpoch: 0, entries: [inherited], primaryLastIndex: 1 } as Ship);
    expect(node.currentRole).toBe('replica');
    ctx.take();
    // The network's duplicate of the same Forward arrives now.
    node.onMessage(1, forward(7, 1, write('k', 42)));
    const [answer] = ctx.take<ForwardReply>().filter((s) => s.msg.kind === MsgKind.ForwardReply);
    expect(answer!.msg).toMatchObject({ ok: false, indeterminate: true });
  });

  it('a refused read stays fail: reading changes nothing', () => {
    const { node, ctx } = boot(1, 3);
    node.onMessage(0, forward(7, 1, { f: 'read', key: 'k', value: null }));
    const [answer] = ctx.take<ForwardReply>().filter((s) => s.msg.kind === MsgKind.ForwardReply);
    expect(answer!.msg).toMatchObject({ ok: false, indeterminate: false });
  });

  it('the origin passes an indeterminate refusal on to its client, and answers fail only for a request it never sent', () => {
    const { node, ctx } = boot(1, 3);
    node.onClientRequest({ client: 1, seq: 1, op: write('k', 1) });
    expect(ctx.take()[0]!.msg.kind).toBe(MsgKind.Forward);
    const refusal: ForwardReply = { kind: MsgKind.ForwardReply, term: 1, client: 1, seq: 1, ok: false, value: undefined, error: 'not primary', indeterminate: true };
    node.onMessage(0, refusal);
    expect(ctx.replies).toEqual([{ client: 1, seq: 1, ok: false, error: 'not primary', indeterminate: true }]);
  });
});

/**
 * Found by a seed sweep: n3's client writes 54 at 2.771 s while n1 is taking
 * office again (epoch 2, at 2.777 s). One copy of n3's Forward reaches n1
 * before it takes office and is refused; the duplicate arrives after and is
 * appended and committed. Before the fix the client recorded `fail` for a
 * write that took effect, and the history was not linearizable.
 */
const DUPLICATED_FORWARD = `name: duplicated-forward
seed: 2
duration: 4s
settle: 5s
nodes: 5
network:
  latency: 1ms..20ms
  drop: 0.1
  duplicate: 0.2
models:
  - kind: primary-replica
    name: pr
    replication: sync
    failover: auto
    fencing: lease
workload:
  clients: 5
  interval: 30ms
  timeout: 500ms
  keys: 3
  reads: 0.4
  cas: 0.2
faults:
  - at: 300ms
    pause: random
  - at: 507ms
    cut: { from: leader, to: n4 }
  - at: 720ms
    resume: all
  - at: 1014ms
    crash: leader
  - at: 1287ms
    crash: random
  - at: 1556ms
    restart: all
  - at: 1812ms
    cut: { from: leader, to: n5, both: true }
  - at: 2094ms
    isolate: leader
  - at: 2311ms
    restart: all
  - at: 2566ms
    partition: [[leader, follower], [rest]]
  - at: 2774ms
    cut: { from: leader, to: n2 }
`;

describe('in a run with a duplicating network', () => {
  it('no write answered fail (other than a cas whose compare failed) is in the authoritative log, and the history is linearizable', () => {
    const run = runScenario(parseScenario(DUPLICATED_FORWARD, 'duplicated-forward.yaml')).runs[0]!;
    const tookEffect = new Set<Value>(run.authoritative.map((w) => w.value));
    const written = (input: unknown): Value => (Array.isArray(input) ? (input[1] as Value) : (input as Value));
    const failedButEffective = operations(run.history).filter(
      (op) => op.type === 'fail' && op.f !== 'read' && op.error !== 'mismatch' && tookEffect.has(written(op.input)),
    );
    expect(failedButEffective).toEqual([]);
    // The refused copy's client now records info: some write of this run was refused that way.
    expect(operations(run.history).some((op) => op.type === 'info' && op.f === 'write')).toBe(true);
    expect(run.summary.linearizable).toBe(true);
    expect(run.summary.violations).toEqual([]);
  });
});
