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
 * Flags: `--repeat N` checks the whole set N times and reports the last pass
 * (later passes run on warm, optimised code); `--quiet` prints only the totals.
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

  let rows: Row[] = [];
  for (let pass = 0; pass < repeat; pass++) {
    rows = inputs.map(({ group, file, text }) => {
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
    });
  }

  let wrong = 0;
  if (!quiet) console.log(`${'file'.padEnd(26)}${'ops'.padStart(6)}${'steps'.padStart(10)}${'parse ms'.padStart(10)}${'check ms'.padStart(10)}  verdict`);
  for (const r of rows) {
    const ok = r.expected === undefined || r.expected === r.verdict;
    if (!ok) wrong++;
    if (!quiet) {
      console.log(
        `${(r.group + '/' + r.file).padEnd(26)}${String(r.ops).padStart(6)}${String(r.steps).padStart(10)}` +
          `${r.parseMs.toFixed(2).padStart(10)}${r.checkMs.toFixed(2).padStart(10)}  ${String(r.verdict)}${ok ? '' : `  WRONG (expected ${r.expected})`}`,
      );
    }
  }
  const total = (group: string, f: (r: Row) => boolean = () => true) => {
    const sel = rows.filter((r) => r.group === group && f(r));
    return {
      n: sel.length,
      check: sel.reduce((s, r) => s + r.checkMs, 0),
      parse: sel.reduce((s, r) => s + r.parseMs, 0),
      max: sel.reduce((m, r) => Math.max(m, r.checkMs), 0),
    };
  };
  const etcd = total('jepsen-etcd', (r) => r.expected !== undefined);
  console.log(
    `\njepsen-etcd: ${etcd.n} histories with verdicts checked in ${etcd.check.toFixed(1)} ms (slowest ${etcd.max.toFixed(1)} ms; parsing ${etcd.parse.toFixed(1)} ms more)`,
  );
  for (const r of rows.filter((x) => x.group === 'kv')) {
    console.log(`kv/${r.file}: ${r.checkMs.toFixed(1)} ms (${r.ops} ops)`);
  }
  console.log(`pass ${repeat} of ${repeat}; ${wrong === 0 ? 'every verdict as expected' : `${wrong} WRONG verdict(s)`}`);
  return wrong === 0 ? 0 : 1;
}

process.exitCode = main();
