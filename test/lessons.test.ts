import { describe, expect, it } from 'vitest';
import { lessons } from '../src/cli/learn-command.ts';
import { answers, checkFacts, grantedVotes } from '../src/lessons/facts.ts';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { readFileSync } from 'node:fs';
import { buildFrame, frameText } from '../src/tui/frame.ts';
import { LiveRun } from '../src/tui/live-run.ts';
import { noteLine } from '../src/run/note-line.ts';
import { evaluateExpectations } from '../src/run/expect.ts';
import { parseComparison } from '../src/scenario/expect.ts';
import { cli } from './helpers/cli.ts';
import type { Scenario } from '../src/scenario/types.ts';

/**
 * Every lesson (scenarios/lessons/) tells the truth about its own run: each
 * fact a note states holds, each question's right answer is among its
 * choices (computed from the run, never written by hand), and its expect
 * lines hold. A lesson that drifts from what the engine does fails here.
 */
const all = lessons();

/** The seeds besides each lesson's own that `raftsim learn N --seed S` is checked with. */
const OTHER_SEEDS = [2, 3, 4, 5, 6, 7, 8];

/**
 * Plays a lesson in the terminal UI as a student does (space at full speed; any key once a note is read) and returns
 * every note shown where the run stopped (`live.note`), in order, each time it is shown, with whether it asked and
 * the clock then; and the notes the event log holds at the end.
 */
function play(scenario: Scenario, file: string, seed?: number): { shown: { text: string; asked: boolean }[]; logged: string[]; at: number[] } {
  const live = new LiveRun(scenario, { source: readFileSync(file, 'utf8'), ...(seed !== undefined ? { seed } : {}) });
  const shown: { text: string; asked: boolean }[] = [];
  /** The clock where each was shown. */
  const at: number[] = [];
  try {
    while (live.speed !== Infinity) live.faster();
    for (let guard = 0; guard < 10_000 && !(live.atEnd && live.note === null); guard++) {
      if (live.note === null) {
        live.togglePlay();
        live.slice();
        if (live.playing) live.togglePlay();
        continue;
      }
      shown.push({ text: live.note, asked: live.question !== null });
      at.push(live.group.nowUs);
      live.keyPressed();
    }
    const logged = live.log.lines(100_000, live.models).filter((l) => l.kind === 'narration').map((l) => l.text);
    return { shown, logged, at };
  } finally {
    live.dispose();
  }
}

describe('the lessons', () => {
  it('exist, numbered by their file names (NN-name.yaml), each number once', () => {
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all.map((l) => l.number)).size).toBe(all.length);
    for (const l of all) expect(l.file).toMatch(/\/\d{2}-[a-z0-9-]+\.yaml$/);
  });

  for (const lesson of all) {
    describe(`${lesson.number} ${lesson.name}`, () => {
      const scenario = loadScenario(lesson.file);
      const result = runScenario(scenario);

      it('is short and asks at least one question', () => {
        expect(scenario.durationUs + scenario.settleUs).toBeLessThanOrEqual(60_000_000);
        expect(scenario.notes.filter((n) => n.question !== undefined).length).toBeGreaterThan(0);
        expect(scenario.description.length).toBeGreaterThan(0);
      });

      it('states only facts that hold in its run', () => {
        const wrong = checkFacts(scenario, result, grantedVotes(scenario)).filter((c) => !c.ok).map((c) => `note at ${c.note.atUs / 1000} ms ("${c.note.text.slice(0, 60)}…"): ${c.detail}`);
        expect(wrong).toEqual([]);
      });

      it("has every question's right answer among its choices", () => {
        const missing = answers(scenario, result).filter((a) => a.choice < 0).map((a) => `${a.note.question!.text}: ${a.because}`);
        expect(missing).toEqual([]);
      });

      it("asks figure questions whose choices cover every value: exactly one holds, whatever the run's figure", () => {
        // A gap (`<1000` / `>=2500`) has no right answer when another seed lands in it, and the UI then skips the question.
        const gaps: string[] = [];
        for (const note of scenario.notes) {
          const q = note.question;
          if (q === undefined || q.answer.kind !== 'figure') continue;
          const field = q.answer.field;
          const written = q.choices.map((c) => (c === 'true' ? true : c === 'false' ? false : c === 'null' ? null : c));
          const comparisons = written.map((w) => parseComparison(w));
          const thresholds = comparisons.flatMap((c) => (typeof c.value === 'number' ? [c.value] : []));
          // Counts are whole numbers; rtoMs and availability are not.
          const step = ['rtoMs', 'availability'].includes(field) ? 0.001 : 1;
          const probes: (number | boolean)[] =
            thresholds.length === 0 ? [true, false] : [0, 1e9, ...thresholds.flatMap((t) => [t - step, t, t + step].filter((v) => v >= 0))];
          for (const value of probes) {
            const holding = comparisons.filter((c) => evaluateExpectations([{ model: 'm', field, ...c, line: 0, col: 0 }], { m: { [field]: value } })[0]!.ok);
            if (holding.length !== 1) gaps.push(`${q.text.slice(0, 50)}: ${field} = ${String(value)} makes ${holding.length} of ${q.choices.join(', ')} hold`);
          }
        }
        expect(gaps).toEqual([]);
      });

      it('keeps its expect lines', () => {
        expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
      });

      it('has notes that fit the UI: at most 3 lines of 94 columns (5 with a question), none cut off', () => {
        const lines = (text: string): number => {
          let n = 0;
          let line = 0;
          for (const word of text.split(/\s+/)) {
            if (line > 0 && line + 1 + word.length > 94) {
              n++;
              line = word.length;
            } else line = line === 0 ? word.length : line + 1 + word.length;
          }
          return n + (line > 0 ? 1 : 0);
        };
        const tooLong = scenario.notes.filter((n) => lines(noteLine(n)) > (n.question !== undefined ? 5 : 3)).map((n) => `${n.atUs / 1000} ms: ${lines(noteLine(n))} lines`);
        expect(tooLong).toEqual([]);
      });

      it('can answer every question it asks whatever the seed (--seed): a nextLeader question offers every node that can take office', () => {
        // The UI skips a question whose right answer is not among its choices, so the choices must not be only the
        // nodes that can win with the lesson's own seed (the leader that crashes is another seed's survivor), nor leave
        // out nobody (the choice `nobody`) where, with another seed, no node takes office after the note.
        const models = [...new Set(scenario.notes.flatMap((n) => (n.question === undefined ? [] : [n.question.model])))];
        const unanswerable: string[] = [];
        for (const seed of OTHER_SEEDS) {
          for (const a of answers(scenario, runScenario(scenario, { seed, models }))) {
            if (a.choice < 0) unanswerable.push(`seed ${seed}, ${a.note.question!.text.slice(0, 50)}: ${a.because}`);
          }
        }
        expect(unanswerable).toEqual([]);
      });

      it('shows every note in the terminal UI, once and in order, each at its own time, and stops to ask every question', () => {
        // Played as a student plays it (space, at full speed): the run pauses at each note until a key is pressed. A note
        // the UI never stops at is never read, and its question never asked; a note shown before its time (another model
        // stopping the run just before it, at a violation) tells what has not happened yet, and is then shown again.
        const { shown, logged, at } = play(scenario, lesson.file);
        expect(shown.map((s) => s.text)).toEqual(scenario.notes.map((n) => noteLine(n)));
        expect(at).toEqual(scenario.notes.map((n) => n.atUs));
        expect(shown.filter((s) => s.asked).length).toBe(scenario.notes.filter((n) => n.question !== undefined).length);
        expect(logged).toEqual(scenario.notes.map((n) => noteLine(n)));
      });

      it('states no fact that a run with another seed contradicts: such a note is told as the run shows it, in the transcript and in the terminal UI', async () => {
        const seed = 2;
        const run = runScenario(scenario, { seed });
        const contradicted = checkFacts(scenario, run, grantedVotes(scenario, seed)).filter((c) => !c.ok);
        const { out } = await cli('learn', String(lesson.number), '--ui', 'text', '--seed', String(seed));
        const ui = play(scenario, lesson.file, seed);
        const wrong: string[] = [];
        for (const c of contradicted) {
          const written = noteLine(c.note);
          if (out.includes(written)) wrong.push(`transcript: "${c.note.text.slice(0, 50)}…" (${c.detail})`);
          if (ui.shown.some((s) => s.text === written)) wrong.push(`UI note: "${c.note.text.slice(0, 50)}…" (${c.detail})`);
          if (ui.logged.includes(written)) wrong.push(`UI event log: "${c.note.text.slice(0, 50)}…" (${c.detail})`);
          // What the run shows instead is told.
          if (!out.includes(c.detail)) wrong.push(`transcript lacks what the run shows: ${c.detail}`);
          if (!ui.shown.some((s) => s.text.includes(c.detail))) wrong.push(`UI lacks what the run shows: ${c.detail}`);
        }
        expect(wrong).toEqual([]);
        // The notes no fact of which is contradicted read as written, in both.
        const held = scenario.notes.filter((n) => !contradicted.some((c) => c.note === n));
        for (const n of held) expect(out).toContain(noteLine(n));
        for (const n of held) expect(ui.shown.map((s) => s.text)).toContain(noteLine(n));
      });

      it('shows every note whole at 100×30 in the terminal UI, and at a question its choices and how to answer, the help line last: the event pane makes the room', () => {
        // The UI cuts a frame taller than the terminal from the bottom: the note's last lines (a question's choices) and the
        // line saying how to answer go first. A lesson with many models leaves less room for its notes.
        const live = new LiveRun(scenario, { source: readFileSync(lesson.file, 'utf8') });
        const cut: string[] = [];
        try {
          while (live.speed !== Infinity) live.faster();
          for (let guard = 0, seen = 0; guard < 10_000 && !(live.atEnd && live.note === null); guard++) {
            if (live.note === null) {
              live.togglePlay();
              live.slice();
              if (live.playing) live.togglePlay();
              continue;
            }
            seen++;
            const shown = frameText(buildFrame(live, { cols: 100, rows: 29, color: false })).replace(/\s+/g, ' ');
            const q = live.question;
            const want = q === null ? live.note : `(${q.choices.map((c, i) => `${i + 1}: ${c}`).join(' / ')})`;
            const lastWords = want.trim().split(/\s+/).slice(-4).join(' ');
            if (!shown.includes(lastWords)) cut.push(`note ${seen} (${live.note.slice(0, 40)}…): its end "${lastWords}" is cut off`);
            if (q !== null && !shown.includes(`press 1-${q.choices.length} to answer`)) cut.push(`note ${seen} (${live.note.slice(0, 40)}…): the line saying how to answer is cut off`);
            // The help line is the last, and what is above the event pane keeps its place: the event pane makes the room.
            const lines = frameText(buildFrame(live, { cols: 100, rows: 29, color: false })).split('\n');
            if (!/^(space play|1-\d answer)/.test(lines.at(-1)!)) cut.push(`note ${seen} (${live.note.slice(0, 40)}…): the help line is cut off (last line: ${lines.at(-1)!.trim().slice(0, 40)})`);
            const pane = lines.findIndex((l) => /^(events|verdict|note) /.test(l));
            live.keyPressed();
            const without = frameText(buildFrame(live, { cols: 100, rows: 29, color: false })).split('\n');
            if (pane < 0 || lines.slice(0, pane).join('\n') !== without.slice(0, pane).join('\n')) cut.push(`note ${seen} (${live.note?.slice(0, 40) ?? ''}…): the lines above the event pane moved`);
          }
        } finally {
          live.dispose();
        }
        expect(cut).toEqual([]);
      });

      it('opens in the terminal UI: its first screen fits 100×30 and names the lesson', () => {
        const live = new LiveRun(scenario, { source: readFileSync(lesson.file, 'utf8') });
        try {
          const lines = frameText(buildFrame(live, { cols: 100, rows: 29, color: false })).split('\n');
          expect(lines[0]).toContain(scenario.name);
          for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
        } finally {
          live.dispose();
        }
      });
    });
  }
});
