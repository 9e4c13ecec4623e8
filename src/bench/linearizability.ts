import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseHistory } from '../check/history-formats.ts';
import { checkHistory } from '../check/linearizability/index.ts';

/**
 * `npm run bench:linearizability`: checks every history in
 * test/fixtures/porcupine and prints the time per file and in total. The
 * goal (issue 3): all 102 etcd histories in under 1 s in total, and each
 * 50-client key-value history in under 1 s. A benchmark may read the wall
 * clock; the checker itself never does.
 *
 * Flags: `--repeat N` checks the whole set N times and reports the first
 * pass (cold: it includes compiling the checker) and the last (warm);
 * `--quiet` prints only the totals. Exits 1 if any verdict is wrong.
 */

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/porcupine');

interface Row {
  readonly file: string;
  readonly group: string;
  readonly ops: number;
  readonly parseMs: number;
  readonly checkMs: number;
  readonly steps: number;
  readonly verdict: boolean | null;
  readonly expected: boolean | undefined;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const repeat = Math.max(1, Number(argValue('--repeat') ?? '1'));
  const quiet = process.argv.includes('--quiet');
  const verdicts = JSON.parse(readFileSync(join(FIXTURES, 'verdicts.json'), 'utf8')) as Record<string, Record<string, boolean>>;
  const inputs: { group: string; file: string; text: string }[] = [];
  for (const group of ['jepsen-etcd', 'kv']) {
    for (const file of readdirSync(join(FIXTURES, group)).sort()) {
      inputs.push({ group, file, text: readFileSync(join(FIXTURES, group, file), 'utf8') });
    }
  }

  const passes: Row[][] = [];
  for (let pass = 0; pass < repeat; pass++) {
    passes.push(
      inputs.map(({ group, file, text }) => {
        const p0 = performance.now();
        const parsed = parseHistory(text, file);
        const p1 = performance.now();
        const result = checkHistory(parsed.events, { model: parsed.model });
        const p2 = performance.now();
        return {
          file,
          group,
          ops: parsed.events.filter((e) => e.type === 'invoke').length,
          parseMs: p1 - p0,
          checkMs: p2 - p1,
          steps: result.steps,
          verdict: result.linearizable,
          expected: verdicts[group]?.[file],
        };
      }),
    );
  }
  const last = passes[passes.length - 1]!;

  let wrong = 0;
  for (const rows of passes) for (const r of rows) if (r.expected !== undefined && r.expected !== r.verdict) wrong++;
  if (!quiet) {
    console.log(`${'file'.padEnd(26)}${'ops'.padStart(6)}${'steps'.padStart(10)}${'parse ms'.padStart(10)}${'check ms'.padStart(10)}  verdict`);
    for (const r of last) {
      const ok = r.expected === undefined || r.expected === r.verdict;
      console.log(
        `${(r.group + '/' + r.file).padEnd(26)}${String(r.ops).padStart(6)}${String(r.steps).padStart(10)}` +
          `${r.parseMs.toFixed(2).padStart(10)}${r.checkMs.toFixed(2).padStart(10)}  ${String(r.verdict)}${ok ? '' : `  WRONG (expected ${r.expected})`}`,
      );
    }
    console.log('');
  }

  const summarise = (rows: readonly Row[], label: string): void => {
    const etcd = rows.filter((r) => r.group === 'jepsen-etcd' && r.expected !== undefined);
    const sum = (xs: readonly Row[], f: (r: Row) => number) => xs.reduce((s, r) => s + f(r), 0);
    const etcdMs = sum(etcd, (r) => r.checkMs);
    const slowest = etcd.reduce((m, r) => (r.checkMs > m.checkMs ? r : m), etcd[0]!);
    console.log(`${label}:`);
    console.log(
      `  jepsen-etcd: ${etcd.length} histories checked in ${etcdMs.toFixed(1)} ms (goal < 1000 ms: ${etcdMs < 1000 ? 'met' : 'NOT met'}); ` +
        `slowest ${slowest.file} ${slowest.checkMs.toFixed(1)} ms; parsing took ${sum(etcd, (r) => r.parseMs).toFixed(1)} ms more`,
    );
    for (const r of rows.filter((x) => x.group === 'kv')) {
      const goal = r.file.startsWith('c50') ? ` (goal < 1000 ms: ${r.checkMs < 1000 ? 'met' : 'NOT met'})` : '';
      console.log(`  kv/${r.file}: ${r.checkMs.toFixed(1)} ms, ${r.ops} ops, ${r.steps} steps${goal}`);
    }
    console.log(`  all ${rows.length} files: ${sum(rows, (r) => r.checkMs + r.parseMs).toFixed(1)} ms parsing and checking`);
  };
  summarise(passes[0]!, 'pass 1 (cold: includes compiling the checker)');
  if (passes.length > 1) summarise(last, `pass ${passes.length} (warm)`);
  console.log(wrong === 0 ? 'every verdict as expected' : `${wrong} WRONG verdict(s)`);
  return wrong === 0 ? 0 : 1;
}

process.exitCode = main();
