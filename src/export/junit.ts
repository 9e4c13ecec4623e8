import { formatUs } from '../core/time.ts';
import type { CampaignHeader, Shrunk } from '../fuzz/report.ts';
import { replayCommand } from '../fuzz/report.ts';
import type { SeedResult } from '../fuzz/seed.ts';
import { isBrokenPromise, PROMISE_NAMES, PROMISE_PREFIX } from '../run/promises.ts';
import type { ModelRun, RunResult } from '../run/types.ts';
import { xmlAttr, xmlText } from './xml.ts';

/**
 * JUnit XML, as CI systems read it (Jenkins, GitLab, GitHub Actions'
 * test reporters, Azure Pipelines): `<testsuites>` of `<testsuite>`s of
 * `<testcase>`s, a failed case holding one `<failure message type>`, a case
 * that could not be decided one `<skipped message>`. Every count is
 * computed from the cases written; `time` is 0 throughout, since the file is
 * a pure function of the run (no wall clock).
 */

export interface TestCase {
  readonly name: string;
  readonly classname: string;
  readonly failure?: { readonly message: string; readonly type: string; readonly text: string };
  readonly skipped?: string;
}

export interface TestSuite {
  readonly name: string;
  readonly cases: readonly TestCase[];
  /** Written as the suite's `<system-out>`. */
  readonly out?: string;
}

export function junitXml(name: string, suites: readonly TestSuite[]): string {
  const count = (pred: (c: TestCase) => boolean, cases: readonly TestCase[]) => cases.filter(pred).length;
  const all = suites.flatMap((s) => s.cases);
  const failed = (c: TestCase) => c.failure !== undefined;
  const skipped = (c: TestCase) => c.skipped !== undefined && c.failure === undefined;
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites name="${xmlAttr(name)}" tests="${all.length}" failures="${count(failed, all)}" errors="0" time="0">\n`;
  suites.forEach((suite, id) => {
    const cases = suite.cases;
    xml += `  <testsuite name="${xmlAttr(suite.name)}" tests="${cases.length}" failures="${count(failed, cases)}" errors="0" skipped="${count(skipped, cases)}" time="0" id="${id}">\n`;
    for (const c of cases) {
      const head = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="0"`;
      if (c.failure !== undefined) {
        xml += `${head}>\n      <failure message="${xmlAttr(c.failure.message)}" type="${xmlAttr(c.failure.type)}">${xmlText(c.failure.text)}</failure>\n    </testcase>\n`;
      } else if (c.skipped !== undefined) {
        xml += `${head}>\n      <skipped message="${xmlAttr(c.skipped)}"/>\n    </testcase>\n`;
      } else {
        xml += `${head}/>\n`;
      }
    }
    if (suite.out !== undefined) xml += `    <system-out>${xmlText(suite.out)}</system-out>\n`;
    xml += '  </testsuite>\n';
  });
  return xml + '</testsuites>\n';
}

/**
 * `raftsim run --junit FILE`: a suite per model, with a case per promise of
 * its configuration (failed when broken, skipped when undecided or withdrawn
 * for this run), one for the safety invariants checked after every event,
 * and one per `expect` line about the model.
 */
export function runJunit(result: RunResult, replay: string): string {
  const suites = result.runs.map((run) => modelSuite(result, run, replay));
  return junitXml(`raftsim run ${result.scenario} --seed ${result.seed}`, suites);
}

function modelSuite(result: RunResult, run: ModelRun, replay: string): TestSuite {
  const classname = `raftsim.${result.scenario}.${run.name}`;
  const cases: TestCase[] = [];
  const violations = run.summary.violations;
  const safety = violations.filter((v) => !isBrokenPromise(v));
  const lines = (vs: typeof violations) => vs.map((v) => `${formatUs(v.atMs * 1000)}  ${v.invariant}: ${v.detail}`).join('\n');
  cases.push({
    name: 'safety invariants',
    classname,
    ...(safety.length > 0
      ? { failure: { message: `${safety.length} safety violation${safety.length === 1 ? '' : 's'}: ${safety[0]!.invariant}`, type: 'safety', text: `${lines(safety)}\n\n${replay}` } }
      : {}),
  });
  const undecided = new Map(run.undecided.map((u) => [u.promise, u.reason]));
  for (const name of run.summary.promises) {
    const broken = violations.filter((v) => v.invariant === PROMISE_PREFIX + name);
    const why = undecided.get(name);
    cases.push({
      name: `promise: ${name}`,
      classname,
      ...(broken.length > 0
        ? { failure: { message: `broken: ${broken[0]!.detail}`, type: 'promise', text: `${lines(broken)}\n\n${replay}` } }
        : why !== undefined || run.summary.promisesUndecided?.includes(name) === true
          ? { skipped: `undecided: ${why ?? 'the run could not decide it'}` }
          : {}),
    });
  }
  for (const w of run.promises.withdrawn) {
    cases.push({ name: `promise: ${PROMISE_NAMES[w.key]}`, classname, skipped: `withdrawn for this run: ${w.reason}` });
  }
  for (const e of result.expectations.filter((x) => x.model === run.name)) {
    cases.push({
      name: `expect ${e.field}: ${e.want}`,
      classname,
      ...(e.ok ? {} : { failure: { message: `${run.name} ${e.field}: got ${JSON.stringify(e.got)}, expected ${e.want}`, type: 'expect', text: `expect: { ${run.name}: { ${e.field}: ${e.want} } }\ngot: ${JSON.stringify(e.got)}\n\n${replay}` } }),
    });
  }
  return { name: `${result.scenario}.${run.name}`, cases, out: `${run.name} (${run.summary.kind}): ${run.verdict}\n` };
}

/**
 * `raftsim fuzz --junit FILE`: one suite for the campaign, a case per seed
 * run (a failing seed's failure names what broke, with the command that
 * replays it and the shrunk scenario file when there is one).
 */
export function fuzzJunit(header: CampaignHeader, results: readonly SeedResult[], shrunk: readonly Shrunk[]): string {
  const classname = `raftsim.fuzz.${header.model}`;
  const cases = results.map((r): TestCase => {
    if (r.ok) return { name: `seed ${r.seed}`, classname };
    const files = shrunk.filter((s) => s.seed === r.seed).map((s) => `shrunk (${s.what}): ${s.file}`);
    const text = [...r.failures.map((f) => `${f.phase} ${formatUs(f.atMs * 1000)}  ${f.what}: ${f.detail}`), '', `replay: ${replayCommand(header, r.seed)}`, ...files].join('\n');
    return { name: `seed ${r.seed}`, classname, failure: { message: r.failures.map((f) => f.what).join(', '), type: r.failures[0]?.key ?? 'failure', text } };
  });
  const name = replayCommand(header, header.start).replace(/ --start \d+ --seeds 1$/, ` --start ${header.start} --seeds ${header.seeds}`);
  return junitXml(name, [{ name: `fuzz ${header.model}`, cases }]);
}
