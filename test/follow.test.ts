import { describe, expect, it } from 'vitest';
import { followScenario, FOLLOW_SLICE_US } from '../src/cli/follow.ts';
import { eventLog, reportHeader } from '../src/cli/report.ts';
import { parseDuration } from '../src/core/time.ts';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { cli } from './helpers/cli.ts';

/**
 * `raftsim run FILE --ui text --follow`: the text report's event log streamed
 * while the run goes, then the rest of the report — the same report as
 * `--ui text` apart from where the event log is.
 */

/** A streamed line: `TIME  [MODEL  ]TEXT`. */
const LINE = /^ *(\d+(?:\.\d+)?(?:us|ms|s))  (.*)$/;

/** The text report split into its header, each model's event log, and the rest (the report with the event logs left out). */
function splitReport(text: string): { header: string; logs: Map<string, string[]>; rest: string } {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith('== '));
  const logs = new Map<string, string[]>();
  const rest: string[] = [];
  let model: string | null = null;
  for (const line of lines.slice(first)) {
    const section = /^== (\S+) \(/.exec(line);
    if (section !== null) {
      model = section[1]!;
      logs.set(model, []);
    } else if (!(LINE.test(line) || line.startsWith('           … '))) {
      model = null;
    }
    if (model !== null && section === null) logs.get(model)!.push(line);
    else rest.push(line);
  }
  // The header ends with the blank line before the first model's section.
  return { header: lines.slice(0, first).join('\n'), logs, rest: rest.join('\n') };
}

/** The follow output after `header`: the streamed lines, and the rest from the blank line before the first model's section. */
function splitFollow(text: string, header: string): { streamed: string[]; rest: string } {
  expect(text.startsWith(header + '\n')).toBe(true);
  const lines = text.slice(header.length + 1).split('\n');
  const end = lines.findIndex((l) => l.startsWith('== '));
  expect(lines[end - 1]).toBe('');
  return { streamed: lines.slice(0, end - 1), rest: lines.slice(end).join('\n') };
}

function timeOf(line: string): number {
  const m = LINE.exec(line);
  if (m === null) throw new Error(`not an event-log line: ${JSON.stringify(line)}`);
  return parseDuration(m[1]!)!;
}

const CASES: readonly (readonly string[])[] = [
  ['scenarios/leader-crash.yaml'],
  ['scenarios/figure-8.yaml'],
  ['scenarios/cap/split-brain.yaml'],
  ['scenarios/bugs/commit-old-term.yaml'],
  ['scenarios/cap/split-brain.yaml', '--until', '8s', '--model', 'raft', '--model', 'async-failover'],
  ['scenarios/raft/membership.yaml', '--seed', '5'],
];

describe('--ui text --follow streams the event log, then ends as the text report does', () => {
  it.each(CASES.map((c) => [c.join(' '), c] as const))('%s', async (_, [file, ...flags]) => {
    const text = await cli('run', file, '--ui', 'text', ...flags);
    const follow = await cli('run', file, '--ui', 'text', '--follow', ...flags);
    expect(follow.err).toBe('');
    expect(follow.code).toBe(text.code);
    const report = splitReport(text.out);
    const streamed = splitFollow(follow.out, report.header);
    expect(streamed.rest).toBe(report.rest);
    // In simulated-time order across the models.
    const times = streamed.streamed.map(timeOf);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Each model's lines, the model's name taken off when several run, are its event log in the report.
    const models = [...report.logs.keys()];
    const width = Math.max(...models.map((n) => n.length));
    for (const model of models) {
      const own = streamed.streamed.flatMap((l) => {
        if (models.length === 1) return [l];
        const text = LINE.exec(l)![2]!;
        const time = l.slice(0, l.length - text.length);
        // A note is every model's: its model column is blank.
        return text.startsWith(`${model.padEnd(width)}  `) || text.startsWith(`${''.padEnd(width)}  note  `) ? [time + text.slice(width + 2)] : [];
      });
      expect(own).toEqual(report.logs.get(model));
    }
    expect(streamed.streamed.length).toBeGreaterThan(models.length);
  });

  it('a long event log is streamed whole (the report shows 40 lines a model), and the run is the same', () => {
    const scenario = loadScenario('scenarios/raft/churn-reliable.yaml');
    let out = '';
    const followed = followScenario(scenario, {}, (t) => void (out += t));
    const batch = runScenario(scenario);
    expect(followed.runs.map((r) => r.summary)).toEqual(batch.runs.map((r) => r.summary));
    const header = reportHeader(scenario.name, scenario.seed, scenario.durationUs, scenario.description) + '\n';
    expect(out.startsWith(header)).toBe(true);
    const lines = out.slice(header.length).split('\n').slice(0, -1);
    const log = eventLog(batch.runs[0]!, batch.notes);
    expect(log.length).toBeGreaterThan(40);
    expect(lines.map((l) => LINE.exec(l)![2])).toEqual(log.map((l) => l.text));
  });

  it('lines are written slice by slice while the run goes, each slice in time order after the one before', () => {
    const scenario = loadScenario('scenarios/cap/split-brain.yaml');
    const writes: string[] = [];
    followScenario(scenario, {}, (t) => void writes.push(t));
    const slices = writes.slice(2).map((w) => w.split('\n').filter((l) => l !== '').map(timeOf));
    expect(slices.length).toBeGreaterThan(5);
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i]!;
      // One slice of simulated time per write.
      expect(Math.floor((s[0]! - 1) / FOLLOW_SLICE_US)).toBe(Math.floor((s[s.length - 1]! - 1) / FOLLOW_SLICE_US));
      if (i > 0) expect(s[0]!).toBeGreaterThan(slices[i - 1]![slices[i - 1]!.length - 1]!);
    }
  });

  it('--follow with --json or --ui tui is a usage error', async () => {
    for (const flags of [['--json'], ['--ui', 'tui']]) {
      const r = await cli('run', 'scenarios/leader-crash.yaml', '--follow', ...flags);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/--follow streams the text report's event log; it does not go with (--json|--ui tui)/);
    }
  });
});
