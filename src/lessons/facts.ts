/**
 * The facts a lesson's notes state, and the answers to its questions,
 * computed from the run — never written by hand, so that a lesson cannot
 * drift from what the engine does. A small vocabulary: who took office last
 * at a note's time (and in which term), the next node to take office, and
 * the summary figures at the end (compared as `expect` lines are).
 */
import { formatUs } from '../core/time.ts';
import { evaluateExpectations } from '../run/expect.ts';
import type { LogLine, ModelRun, RunResult } from '../run/types.ts';
import { parseComparison } from '../scenario/expect.ts';
import { NOBODY, type FaultSpec, type Scenario, type ScenarioNote } from '../scenario/types.ts';
import { RunGroup } from '../run/group.ts';
import { SteppableRun } from '../run/steppable.ts';
import { noteLine } from '../run/note-line.ts';

/**
 * A vote granted (not a pre-vote): who granted it to whom, for which term, and when; and, as
 * `voter` null, a node standing (becoming a candidate) in `term`: the facts that name voters, or
 * who stood first, read these.
 */
export interface GrantedVote {
  readonly atUs: number;
  readonly voter: string | null;
  readonly candidate: string;
  readonly term: number;
}

/**
 * The votes granted in each model's run of `scenario` (by model name): a second run, watched, for
 * the facts that name voters. The run is the same one (a run is a pure function of its inputs).
 */
export function grantedVotes(scenario: Scenario, seed: number = scenario.seed, models?: readonly string[], injected?: readonly FaultSpec[]): Map<string, GrantedVote[]> {
  const out = new Map<string, GrantedVote[]>();
  for (const spec of scenario.models) {
    if (models !== undefined && !models.includes(spec.name)) continue;
    const votes: GrantedVote[] = [];
    const run = new SteppableRun(scenario, spec, { seed, ...(injected !== undefined && injected.length > 0 ? { injected } : {}) });
    run.subscribe((e) => {
      if (e.type === 'vote' && e.granted && !e.preVote && e.voter !== e.candidate) votes.push({ atUs: e.atUs, voter: e.voter, candidate: e.candidate, term: e.term });
      else if (e.type === 'role' && e.role === 'candidate') votes.push({ atUs: e.atUs, voter: null, candidate: e.node, term: e.term });
    });
    run.runUntil(scenario.durationUs + scenario.settleUs);
    out.set(spec.name, votes);
  }
  return out;
}

/** A leader (or primary) taking office, as the event log says it: `n5 became leader of term 2`. */
const OFFICE = /^(\S+) (?:became leader of term|took office as primary of epoch) (\d+)/;

interface Office {
  readonly atUs: number;
  readonly node: string;
  readonly term: number;
}

/** The office a line of the event log tells of, or null. */
function officeOf(line: LogLine): Office | null {
  const m = OFFICE.exec(line.text);
  return m === null ? null : { atUs: line.atUs, node: m[1]!, term: Number(m[2]) };
}

function offices(log: readonly LogLine[]): Office[] {
  return log.flatMap((l) => officeOf(l) ?? []);
}

/** The summary with the operation counts as figures of their own (`ok`, `fail`, `info`). */
function withOps(run: ModelRun): object {
  return { ...run.summary, ok: run.summary.ops.ok, fail: run.summary.ops.fail, info: run.summary.ops.info };
}

/**
 * Who is in office at `atUs` by the event log: the last to take office, unless it stepped down or
 * crashed since (a paused leader still holds office: nobody has told it otherwise). null: nobody.
 */
function inOffice(log: readonly LogLine[], atUs: number): Office | null {
  let holder: Office | null = null;
  for (const l of log) {
    if (l.atUs > atUs) break;
    const office = officeOf(l);
    if (office !== null) {
      holder = office;
      continue;
    }
    if (holder !== null && (l.text.startsWith(`${holder.node} stepped down`) || l.text === `crash ${holder.node}`)) holder = null;
  }
  return holder;
}

export interface NoteCheck {
  readonly note: ScenarioNote;
  readonly ok: boolean;
  /** What the run shows, for a failed check or a transcript. */
  readonly detail: string;
}

function runOf(result: RunResult, model: string): ModelRun | undefined {
  return result.runs.find((r) => r.name === model);
}

/**
 * Every stated fact of `scenario`'s notes, checked against `result` (a run of the same scenario and
 * seed); `votes` (grantedVotes) for the facts that name voters.
 */
export function checkFacts(scenario: Scenario, result: RunResult, votes?: ReadonlyMap<string, readonly GrantedVote[]>): NoteCheck[] {
  const out: NoteCheck[] = [];
  for (const note of scenario.notes) {
    const fact = note.fact;
    if (fact === undefined) continue;
    const run = runOf(result, fact.model);
    if (run === undefined) continue; // the model was not run (--model)
    const wrong: string[] = [];
    if (fact.leader === 'none') {
      const holder = inOffice(run.log, note.atUs);
      if (holder !== null) wrong.push(`${holder.node} was in office at ${formatUs(note.atUs)} (term ${holder.term}, since ${formatUs(holder.atUs)})`);
    } else if (fact.leader !== undefined) {
      // In office at the note's time: the last to take office, and it has not stepped down or crashed since.
      const holder = inOffice(run.log, note.atUs);
      const last = offices(run.log).filter((o) => o.atUs <= note.atUs).pop();
      if (holder === null) wrong.push(last === undefined ? `no node had taken office by ${formatUs(note.atUs)}` : `nobody was in office at ${formatUs(note.atUs)}: ${last.node} (term ${last.term}) had stepped down or crashed`);
      else if (holder.node !== fact.leader || (fact.term !== undefined && holder.term !== fact.term)) {
        wrong.push(`${holder.node} was in office at ${formatUs(note.atUs)}, in term ${holder.term} (since ${formatUs(holder.atUs)})`);
      } else if (fact.since !== undefined && Math.abs(holder.atUs - fact.since.atUs) > fact.since.toleranceUs) {
        wrong.push(`${holder.node} took office at ${formatUs(holder.atUs)}, not ${fact.since.written}`);
      }
      if (holder !== null && fact.stoodFirst === true) {
        const first = votes?.get(fact.model)?.find((v) => v.voter === null && v.term === holder.term);
        if (votes === undefined) wrong.push('the candidacies were not recorded (checkFacts needs grantedVotes)');
        else if (first === undefined || first.candidate !== holder.node) wrong.push(`the first to stand in term ${holder.term} was ${first?.candidate ?? 'nobody'}, not ${holder.node}`);
      }
      if (holder !== null && fact.votes !== undefined) {
        const granted = votes?.get(fact.model);
        if (granted === undefined) wrong.push('the votes were not recorded (checkFacts needs grantedVotes)');
        else {
          const got = [...new Set(granted.filter((v) => v.voter !== null && v.candidate === holder.node && v.term === holder.term && v.atUs <= holder.atUs).map((v) => v.voter!))].sort();
          const want = [...fact.votes].sort();
          if (got.join(' ') !== want.join(' ')) wrong.push(`${holder.node} was granted the votes of ${got.length === 0 ? 'nobody' : got.join(', ')} in term ${holder.term}, not ${want.join(', ')}`);
        }
      }
    }
    for (const e of evaluateExpectations(fact.figures, { [run.name]: withOps(run) })) {
      if (!e.ok) wrong.push(`${e.field} is ${String(e.got)}, not ${e.want}`);
    }
    out.push({ note, ok: wrong.length === 0, detail: wrong.join('; ') });
  }
  return out;
}

export interface Answer {
  readonly note: ScenarioNote;
  /** Index into the question's choices of the right one; -1 when the run's answer is not among them (a lesson bug). */
  readonly choice: number;
  /** What the run shows: `n3 took office in term 2 at 5.232s`, `lostWrites is 125`. */
  readonly because: string;
}

/** The right choice of every question in `scenario`'s notes, computed from `result`. */
export function answers(scenario: Scenario, result: RunResult): Answer[] {
  const out: Answer[] = [];
  for (const note of scenario.notes) {
    const q = note.question;
    if (q === undefined) continue;
    const run = runOf(result, q.model);
    if (run === undefined) continue;
    if (q.answer.kind === 'nextLeader') {
      const next = offices(run.log).find((o) => o.atUs > note.atUs);
      out.push(
        next === undefined
          ? { note, choice: q.choices.indexOf(NOBODY), because: `no node took office after ${formatUs(note.atUs)}` }
          : { note, choice: q.choices.indexOf(next.node), because: `${next.node} took office in term ${next.term} at ${formatUs(next.atUs)}` },
      );
      continue;
    }
    const field = q.answer.field;
    const holds = q.choices.map((c) => {
      const written = c === 'true' ? true : c === 'false' ? false : c === 'null' ? null : c;
      return evaluateExpectations([{ model: run.name, field, ...parseComparison(written), line: 0, col: 0 }], { [run.name]: withOps(run) })[0]!;
    });
    const right = holds.flatMap((h, i) => (h.ok ? [i] : []));
    const got = holds[0]?.got;
    out.push({ note, choice: right.length === 1 ? right[0]! : -1, because: `${field} is ${String(got)}${right.length > 1 ? ` (more than one choice holds: ${right.map((i) => q.choices[i]).join(', ')})` : ''}` });
  }
  return out;
}

/** A note as a run tells it: its own text when what it states holds in the run, else what the run shows. */
export interface Told {
  readonly note: ScenarioNote;
  /** The line to show (with its question and choices, as `noteLine` writes a note). */
  readonly text: string;
  /** False when the note states a fact this run contradicts (the notes are written for the scenario's own seed). */
  readonly holds: boolean;
}

/**
 * The notes of `scenario` as `result`'s run can tell them. A lesson's notes are written for its own
 * seed; with another seed (`raftsim learn N --seed S`) the run is another story, and a note whose
 * stated fact is false in it must not be shown as if it were true: it is replaced by a line that
 * says so and what the run shows instead. A note that states no fact, or whose fact holds, reads as
 * written. `votes` (grantedVotes of the same run) for the facts that name voters; without them those
 * facts cannot be checked and their notes are flagged too.
 */
export function narrate(scenario: Scenario, result: RunResult, votes?: ReadonlyMap<string, readonly GrantedVote[]>, byHand = false): Told[] {
  const checks = new Map(checkFacts(scenario, result, votes).map((c) => [c.note, c]));
  return scenario.notes.map((note) => {
    const c = checks.get(note);
    const text = noteLine(note);
    if (c === undefined || c.ok) return { note, text, holds: true };
    const question = note.question === undefined ? '' : ` QUESTION: ${note.question.text} (${note.question.choices.map((ch, i) => `${i + 1}: ${ch}`).join(' / ')})`;
    const run = result.seed === scenario.seed && byHand ? 'in this run (faults injected by hand)' : `with seed ${result.seed}${byHand ? ' and the faults injected by hand' : ''}`;
    const model = scenario.models.length > 1 ? `${note.fact!.model}: ` : '';
    return { note, text: `[This note was written for seed ${scenario.seed} and does not hold ${run}: ${model}${c.detail}.]${question}`, holds: false };
  });
}

/** What a student is shown of a lesson's run: its notes as the run tells them, and its questions' answers. */
export interface Narration {
  /** One per note of the scenario, in order. */
  readonly told: readonly Told[];
  /** The questions on the models shown. */
  readonly answers: readonly Answer[];
}

export interface NarrationOptions {
  readonly seed?: number;
  /** The models shown (all when absent). */
  readonly models?: readonly string[];
  /** Faults injected by hand (the terminal UI), appended to the scenario's. */
  readonly injected?: readonly FaultSpec[];
}

/**
 * The notes of `scenario` as a run of it with `options` tells them (`narrate`), and the answers to
 * its questions (`answers`), computed from that run: what `raftsim learn` shows, in the transcript
 * and in the terminal UI. The facts of a model not shown are checked too (a note about it is shown
 * all the same), so its run is made as well. `shown`: the run already made of the models shown,
 * reused when it is all that is needed. Without facts or questions, nothing is run.
 */
export function narration(scenario: Scenario, options: NarrationOptions = {}, shown?: RunResult): Narration {
  const seed = options.seed ?? scenario.seed;
  const injected = options.injected ?? [];
  const models = scenario.models.map((m) => m.name).filter((name) => options.models === undefined || options.models.includes(name));
  if (!scenario.notes.some((n) => n.fact !== undefined || n.question !== undefined)) return { told: scenario.notes.map((note) => ({ note, text: noteLine(note), holds: true })), answers: [] };
  const factModels = new Set(scenario.notes.flatMap((n) => (n.fact === undefined ? [] : [n.fact.model])));
  const needed = scenario.models.map((m) => m.name).filter((name) => models.includes(name) || factModels.has(name));
  const reuse = shown !== undefined && injected.length === 0 && shown.seed === seed && needed.every((name) => shown.runs.some((r) => r.name === name));
  const result = reuse ? shown : new RunGroup(scenario, { seed, models: needed, ...(injected.length > 0 ? { injected } : {}) }).finish();
  const needsVotes = scenario.notes.some((n) => n.fact?.votes !== undefined || n.fact?.stoodFirst === true);
  const votes = needsVotes ? grantedVotes(scenario, seed, needed, injected) : undefined;
  return {
    told: narrate(scenario, result, votes, injected.length > 0),
    answers: answers(scenario, result).filter((a) => models.includes(a.note.question!.model)),
  };
}
