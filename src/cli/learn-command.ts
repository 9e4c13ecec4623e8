import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.ts';
import { narration } from '../lessons/facts.ts';
import { notesUntil, runScenario } from '../run/run.ts';
import { loadScenario } from '../scenario/load.ts';
import { parse, parseSeed } from './args.ts';
import { EXIT_OK, EXIT_VIOLATION, type CliIo } from './io.ts';
import { runFailed, textReport } from './report.ts';
import { runCommand } from './run-command.ts';

export const LEARN_HELP = `Usage: raftsim learn                 list the lessons
       raftsim learn N|NAME [options]  open lesson N (or by name) in the terminal UI

A course in consensus and replication: each lesson is a short scenario run
by the real engine, narrated step by step. At a question the run pauses:
predict what happens, then play on and watch. Every fact the narration
states, and every answer, is computed from the run.

Options (as raftsim run): --ui text prints the lesson as a transcript (the
narration among the events, then the answers), for handouts; --seed N,
--model NAME (repeatable), --json.
`;

/** The project's root (where package.json is): from the sources or from the bundle in dist/. */
function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('raftsim: cannot find the package root');
    dir = up;
  }
  return dir;
}

export interface Lesson {
  readonly number: number;
  readonly name: string;
  readonly file: string;
}

/** The lessons in scenarios/lessons/, in file-name order (NN-name.yaml). */
export function lessons(): Lesson[] {
  const dir = join(root(), 'scenarios', 'lessons');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f, i) => ({ number: Number(/^(\d+)-/.exec(f)?.[1] ?? i + 1), name: f.replace(/^\d+-/, '').replace(/\.yaml$/, ''), file: join(dir, f) }));
}

export async function learnCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ui: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' }, model: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    'learn',
  );
  if (values.help) {
    io.out(LEARN_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`learn: expected one lesson, got ${positionals.length} (${positionals.join(', ')}); see 'raftsim learn --help'`);
  const [which] = positionals;
  const all = lessons();
  if (which === undefined) {
    if (Object.keys(values).length > 0) throw new UsageError(`learn: ${Object.keys(values).map((k) => `--${k}`).join(', ')} goes with a lesson; expected e.g. raftsim learn 1 --ui text`);
    io.out('raftsim learn: a course in consensus and replication, one short lesson at a time\n\n');
    for (const l of all) {
      const s = loadScenario(l.file);
      const first = (s.description.split(/(?<=\.)\s/)[0] ?? '').trim();
      io.out(`  ${String(l.number).padStart(2)}  ${l.name.padEnd(28)} ${first}\n`);
    }
    io.out(`\nraftsim learn N opens lesson N in the terminal UI (--ui text for a transcript).\n`);
    return EXIT_OK;
  }
  const lesson = /^\d+$/.test(which) ? all.find((l) => l.number === Number(which)) : all.find((l) => l.name === which);
  if (lesson === undefined) {
    throw new UsageError(`learn: no lesson "${which}"; expected a number (${all.map((l) => l.number).join(', ')}) or a name: ${all.map((l) => l.name).join(', ')}`);
  }
  // The options go to raftsim run as given (the lesson is the scenario).
  const rest = [
    ...(values.ui !== undefined ? [`--ui=${values.ui}`] : []),
    ...(values.json ? ['--json'] : []),
    ...(values.seed !== undefined ? [`--seed=${values.seed}`] : []),
    ...(values.model ?? []).map((m) => `--model=${m}`),
  ];
  const transcript = !values.json && (values.ui === 'text' || !io.isTty);
  // The terminal UI and --json are raftsim run's own.
  if (!transcript) return runCommand([lesson.file, ...rest], io);
  if (values.ui !== undefined && values.ui !== 'text' && values.ui !== 'tui') throw new UsageError(`--ui: "${values.ui}" is not a report style; expected tui or text`);
  // The transcript: the narration once (in the first model's event log), the table, then the answers, each computed from the run.
  const scenario = loadScenario(lesson.file);
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  const known = scenario.models.map((m) => m.name);
  for (const name of values.model ?? []) {
    if (!known.includes(name)) throw new UsageError(`--model: "${name}" is not a model of lesson ${lesson.number} (${lesson.name}); expected one of: ${known.join(', ')}`);
  }
  const options = { ...(seed !== undefined ? { seed } : {}), ...(values.model !== undefined ? { models: values.model } : {}) };
  const result = runScenario(scenario, options);
  // The notes are written for the lesson's seed: each is told as this run can tell it (a note whose fact the run contradicts says so, and what the run shows).
  const told = narration(scenario, options, result);
  io.out(textReport({ ...result, ...notesUntil(scenario, undefined, told.told.map((t) => t.text)) }, scenario.description, scenario.seed, { notesOnce: true }));
  const found = told.answers;
  if (found.length > 0) {
    io.out('\nanswers (computed from the run)\n');
    for (const a of found) {
      const q = a.note.question!;
      const right = a.choice >= 0 ? `${a.choice + 1}: ${q.choices[a.choice]}` : 'none of the choices';
      io.out(`  ${q.text}\n    ${right} — ${a.because}\n`);
    }
  }
  return runFailed(result) ? EXIT_VIOLATION : EXIT_OK;
}
