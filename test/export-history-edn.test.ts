import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHistory } from '../src/check/history-formats.ts';
import { ednLine } from '../src/export/edn.ts';
import { cli } from './helpers/cli.ts';

/**
 * `raftsim run --history FILE --history-format edn` writes Jepsen's EDN;
 * `raftsim check-history` reads it back to the verdict the run gave, for
 * every scenario in the box, and to the very events raftsim's own JSON
 * lines hold.
 */

const dir = mkdtempSync(join(tmpdir(), 'raftsim-edn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenarioFiles(root: string): string[] {
  return readdirSync(root)
    .sort()
    .flatMap((name) => {
      const path = join(root, name);
      if (statSync(path).isDirectory()) return scenarioFiles(path);
      return name.endsWith('.yaml') ? [path] : [];
    });
}

const SCENARIOS = scenarioFiles('scenarios');

describe('the EDN history round trip', () => {
  it('finds the scenarios in the box', () => {
    expect(SCENARIOS.length).toBeGreaterThan(40);
  });

  it.each(SCENARIOS.map((f) => [relative('scenarios', f), f]))('%s: check-history reads the EDN and the JSON lines run writes to the verdict the run gave', async (_name, file) => {
    const base = join(dir, _name.replace(/[/.]/g, '_'));
    const run = await cli('run', file, '--json', '--history', `${base}.edn`, '--history-format', 'edn');
    expect(run.err).toBe('');
    await cli('run', file, '--json', '--history', `${base}.jsonl`);
    const summary = JSON.parse(run.out) as { models: Record<string, { linearizable: boolean | null }> };
    const models = Object.keys(summary.models);

    const edn = readFileSync(`${base}.edn`, 'utf8');
    const jsonl = readFileSync(`${base}.jsonl`, 'utf8');
    // The same events, field for field: what Knossos would read is what raftsim checked.
    const fromEdn = parseHistory(edn, `${base}.edn`);
    const fromJsonl = parseHistory(jsonl, `${base}.jsonl`);
    expect(fromEdn.format).toBe('jepsen-edn');
    expect(fromEdn.timeUnit).toBe('us');
    expect(fromEdn.histories.map((h) => h.name)).toEqual(fromJsonl.histories.map((h) => h.name));
    // Jepsen's processes: the client's number, plus the client count for each of its ops that ended :info before.
    fromEdn.histories.forEach((h, k) => {
      const original = fromJsonl.histories[k]!.events;
      const clients = Math.max(...original.map((e) => e.process));
      const crashes = new Map<number, number>();
      const renumbered = original.map((e) => {
        const process = e.process + (crashes.get(e.process) ?? 0) * clients;
        if (e.type === 'info') crashes.set(e.process, (crashes.get(e.process) ?? 0) + 1);
        return { ...e, process };
      });
      expect(h.events).toEqual(renumbered);
      // A process never runs again once an op of its ended :info (what Knossos and Elle assume).
      const crashed = new Set<number>();
      for (const e of h.events) {
        expect(crashed.has(e.process)).toBe(false);
        if (e.type === 'info') crashed.add(e.process);
      }
    });

    for (const [format, path] of [['jepsen-edn', `${base}.edn`], ['jsonl', `${base}.jsonl`]] as const) {
      const checked = await cli('check-history', path, '--json');
      expect(checked.err).toBe('');
      const report = JSON.parse(checked.out) as { files: { format: string; linearizable: boolean | null; histories?: { model: string; linearizable: boolean | null }[] }[] };
      const f = report.files[0]!;
      expect(f.format).toBe(format);
      const verdicts = f.histories === undefined ? { [models[0]!]: f.linearizable } : Object.fromEntries(f.histories.map((h) => [h.model, h.linearizable]));
      expect(verdicts).toEqual(Object.fromEntries(models.map((m) => [m, summary.models[m]!.linearizable])));
    }
  });
});

describe("the EDN lines follow Jepsen's op fields", () => {
  it('numbers processes as Jepsen does: a client whose op ended :info goes on as a new process', async () => {
    const { JepsenProcesses } = await import('../src/export/edn.ts');
    const p = new JepsenProcesses(3);
    const ev = (process: number, type: 'invoke' | 'ok' | 'info') => ({ t: 0, process, type, f: 'write' as const, key: 'k', value: 1 });
    expect([ev(2, 'invoke'), ev(2, 'info'), ev(2, 'invoke'), ev(2, 'ok'), ev(1, 'invoke'), ev(2, 'invoke'), ev(2, 'info'), ev(2, 'invoke')].map((e) => p.of(e))).toEqual([2, 2, 5, 5, 1, 5, 5, 8]);
  });

  it('writes :type, :f, :value [k v], :process, :time in ns and :index, and :error only on a failure', () => {
    expect(ednLine({ t: 209_850, process: 2, type: 'invoke', f: 'write', key: 'k3', value: 15 }, 0, null)).toBe('{:type :invoke, :f :write, :value ["k3" 15], :process 2, :time 209850000, :index 0}');
    expect(ednLine({ t: 3116, process: 4, type: 'fail', f: 'read', key: 'k1', value: null, error: 'no leader' }, 7, 'raft')).toBe(
      '{:type :fail, :f :read, :value ["k1" nil], :process 4, :time 3116000, :index 7, :error "no leader", :model "raft"}',
    );
    expect(ednLine({ t: 5, process: 1, type: 'fail', f: 'cas', key: 'k2', value: [3, 9], error: 'mismatch' }, 1, null)).toBe('{:type :fail, :f :cas, :value ["k2" [3 9]], :process 1, :time 5000, :index 1, :error :mismatch}');
  });

  it('reads a Jepsen independent-key history without :time by line order, and a cas tuple as [k [old new]]', () => {
    const text = [
      '{:type :invoke, :f :cas, :value [0 [nil 1]], :process 0, :index 0}',
      '{:type :nemesis, :f :start, :value nil, :process :nemesis}',
      '{:type :info, :f :cas, :value [0 [nil 1]], :process 0, :index 1}',
      '{:type :invoke, :f :read, :value [0 nil], :process 1, :index 2}',
      '{:type :ok, :f :read, :value [0 1], :process 1, :index 3}',
    ].join('\n');
    const h = parseHistory(text, 'x.edn');
    expect(h.timeUnit).toBe('line');
    expect(h.events.map((e) => [e.key, e.type, e.value])).toEqual([
      ['0', 'invoke', [null, 1]],
      ['0', 'info', [null, 1]],
      ['0', 'invoke', null],
      ['0', 'ok', 1],
    ]);
  });

  it('refuses a :time that goes back, at its line and column', () => {
    const text = '{:type :invoke, :f :read, :value ["k" nil], :process 0, :time 20}\n{:type :ok, :f :read, :value ["k" nil], :process 0, :time 10}';
    expect(() => parseHistory(text, 'x.edn')).toThrow(/x\.edn:2:\d+: :time 10 is before the previous op's 20/);
  });
});
