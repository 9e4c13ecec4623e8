import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { InputError } from '../src/core/errors.ts';

/**
 * Cascading replication (`cascade: {n3: n2}`): a replica fed by another
 * replica. Read from the trace: whose shipments each node received, and when.
 */
interface Shipment {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly relay: boolean;
  readonly entries: number;
}

function shipments(yaml: string): { ships: Shipment[]; run: ReturnType<typeof runScenario>['runs'][number] } {
  const ships: Shipment[] = [];
  const result = runScenario(parseScenario(yaml, 'cascade.yaml'), {
    traceWriter: () => ({
      write(line: string) {
        const r = JSON.parse(line) as { t: number; type: string; node: string; peer: string; msg?: string; body?: { relay?: boolean; entries?: unknown[] } };
        // Deliveries: `node` received from `peer`.
        if (r.type === 'deliver' && r.msg === 'Ship') ships.push({ t: r.t, from: r.peer, to: r.node, relay: r.body?.relay === true, entries: r.body?.entries?.length ?? 0 });
      },
    }),
  });
  return { ships, run: result.runs[0]! };
}

const scenario = (faults: string, cascade = '{ n3: n2, n4: n3 }', replication = 'async') => `
name: cascade
duration: 6s
settle: 3s
nodes: 4
network: { latency: 5ms }
models:
  - kind: primary-replica
    replication: ${replication}
    failover: auto
    cascade: ${cascade}
workload: { clients: 2, interval: 20ms, keys: 1, reads: 0.3 }
faults: ${faults}
`;

describe('cascading replication', () => {
  it('a cascaded replica gets its WAL from its upstream replica, never from the primary, while the upstream answers', () => {
    const { ships, run } = shipments(scenario('[]'));
    expect(ships.filter((s) => s.to === 'n3' && s.from === 'n1')).toEqual([]);
    expect(ships.filter((s) => s.to === 'n4' && s.from === 'n1')).toEqual([]);
    expect(ships.some((s) => s.from === 'n2' && s.to === 'n3' && s.relay && s.entries > 0)).toBe(true);
    expect(ships.some((s) => s.from === 'n3' && s.to === 'n4' && s.relay && s.entries > 0)).toBe(true);
    expect(run.summary.converged).toBe(true);
    expect(run.summary.violations).toEqual([]);
  });

  it('lag adds up along the chain: an entry reaches n4 after n3, which gets it after n2', () => {
    const { ships } = shipments(scenario('[]'));
    const firstWith = (from: string, to: string) => ships.find((s) => s.from === from && s.to === to && s.entries > 0)!.t;
    expect(firstWith('n1', 'n2')).toBeLessThan(firstWith('n2', 'n3'));
    expect(firstWith('n2', 'n3')).toBeLessThan(firstWith('n3', 'n4'));
  });

  it('the primary re-points a replica whose upstream stopped answering: it feeds it itself', () => {
    const { ships, run } = shipments(scenario('[{ at: 2s, crash: n2 }, { at: 5s, restart: n2 }]'));
    const direct = ships.filter((s) => s.from === 'n1' && s.to === 'n3');
    expect(direct.length).toBeGreaterThan(0);
    // Not before n2 went quiet (two retry periods, 800 ms, after its last unanswered shipment).
    expect(direct[0]!.t).toBeGreaterThan(2_000_000);
    expect(direct[0]!.t).toBeLessThan(3_500_000);
    expect(run.summary.converged).toBe(true);
  });

  it('a failover makes the upstream the primary: it feeds its replicas as primary, and the cluster converges', () => {
    const { ships, run } = shipments(scenario('[{ at: 2s, crash: n1 }]'));
    const promotedShips = ships.filter((s) => s.t > 2_000_000 && !s.relay && s.to === 'n3');
    expect(promotedShips.length).toBeGreaterThan(0);
    expect(run.summary.converged).toBe(true);
    expect(run.summary.violations).toEqual([]);
  });

  it('a cascade must be asynchronous, name known nodes and end at a replica the primary feeds', () => {
    const problems = (yaml: string) => {
      try {
        parseScenario(yaml, 'bad.yaml');
        return [];
      } catch (error) {
        return (error as InputError).diagnostics.map((d) => d.message);
      }
    };
    expect(problems(scenario('[]', '{ n3: n2 }', 'sync'))).toEqual([expect.stringMatching(/expected replication: async/)]);
    expect(problems(scenario('[]', '{ n3: n9 }'))).toEqual([expect.stringMatching(/unknown node "n9" in cascade/)]);
    expect(problems(scenario('[]', '{ n3: n4, n4: n3 }'))).toEqual([expect.stringMatching(/comes back to/), expect.stringMatching(/comes back to/)]);
    expect(problems(scenario('[]', '{ n3: n3 }'))).toEqual([expect.stringMatching(/cannot feed itself/)]);
  });
});
