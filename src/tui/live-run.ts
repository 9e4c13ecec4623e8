import { existsSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Us } from '../core/time.ts';
import type { Landmark, LiveFigures, RunEvent } from '../run/events.ts';
import { RunGroup } from '../run/group.ts';
import { narration, type Narration } from '../lessons/facts.ts';
import { promisesOf, PROMISE_NAMES, type PromiseKey } from '../run/promises.ts';
import { InjectionError } from '../run/steppable.ts';
import type { RunResult } from '../run/types.ts';
import type { FaultAction, Scenario } from '../scenario/types.ts';
import { EventLog } from './event-log.ts';
import { UiModes, type UiMode } from './ui-modes.ts';

/**
 * The terminal UI's controller: a `RunGroup` (every model on one clock),
 * the event log it tells, and the UI's own state — mode, speed, selected
 * model, node cursor, the line of status. Plain TypeScript: the Ink
 * components only read it (through `frame.ts`) and call its methods on
 * keys. Playing advances the simulation in slices from a host timer; the
 * simulation itself never sees the wall clock, so every position is a pure
 * function of the scenario, the seed and the faults injected.
 */

/** Simulated seconds per wall second, slowest first; Infinity: as fast as it goes. */
export const SPEEDS: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, Infinity];
const SPEED_DEFAULT = SPEEDS.indexOf(1);
/** Wall time between slices: one frame at 30 fps. */
const SLICE_MS = 33;
/** Wall time left free between two slices at least (keys are read, frames drawn). */
const SLICE_GAP_MS_MIN = 4;
/** Wall time a slice may take at most, so keys stay answered within a frame or two. */
const SLICE_BUDGET_MS = 15;
/** A late timer does not make the simulation jump: at most this much wall time is made up per slice. */
const CATCH_UP_MS_MAX = 100;
/** At full speed, the simulated time run between two looks at the wall clock. */
const FULL_SPEED_STEP_US = 20_000;

export interface LiveRunOptions {
  readonly seed?: number;
  readonly models?: readonly string[];
  readonly untilUs?: Us;
  /** The text the scenario was loaded from (`w` writes it back with the injected faults). */
  readonly source: string;
  /** `--save FILE`; else `NAME.live.yaml` in `cwd`. */
  readonly savePath?: string;
  readonly cwd?: string;
  /** The wall clock in ms (tests pass their own). */
  readonly now?: () => number;
}

export interface Status {
  readonly text: string;
  /** `error`: red (a violation, a broken promise, a refused key); `info`: plain. */
  readonly tone: 'info' | 'error' | 'ok';
}

const LANDMARK_EVENT = (e: RunEvent): boolean => e.type === 'narration' || e.type === 'fault' || e.type === 'settle' || e.type === 'violation' || (e.type === 'role' && (e.role === 'leader' || e.role === 'primary'));

export class LiveRun {
  readonly scenario: Scenario;
  readonly group: RunGroup;
  readonly log = new EventLog();
  private readonly modes = new UiModes();
  private readonly source: string;
  private readonly savePath: string | undefined;
  private readonly cwd: string;
  private readonly now: () => number;
  private readonly changeListeners = new Set<() => void>();
  /** The figures' promises per model (what each configuration promises before the end says otherwise). */
  readonly promised: readonly (readonly PromiseKey[])[];
  selected = 0;
  cursor = 0;
  speedIndex = SPEED_DEFAULT;
  status: Status | null = null;
  /** What stopped the run (a violation, a promise at risk), shown in red until play resumes. */
  alert: string | null = null;
  /** The scenario's note the run stopped at (`notes:`), shown until a key is pressed. */
  note: string | null = null;
  /** The question of the note the run stopped at, waiting for the student's choice (a digit key). */
  question: { readonly choices: readonly string[]; readonly right: number; readonly because: string } | null = null;
  /** A key that does nothing while the question waits was pressed: the status line says what works. */
  questionHint = false;
  /**
   * The notes as this run tells them (a note whose fact the run contradicts — another seed, faults injected by hand —
   * says so and what the run shows) and each question's right choice, by note index: computed from a run of the whole
   * scenario with the same seed, models and injected faults, made when the first note is told (again after an injection).
   */
  private told: { readonly key: string; readonly texts: readonly string[]; readonly answers: ReadonlyMap<number, Narration['answers'][number]> } | null = null;
  /** Files written with `w`. */
  readonly written: string[] = [];
  private result: RunResult | null = null;
  private figuresCache: { key: string; figures: LiveFigures[] } | null = null;
  /** Promises (model index × key) whose figure was already above 0 when last looked at: the run pauses when one first becomes so. */
  private atRisk = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastWallMs = 0;
  /** Bumped on every change the screen shows. */
  version = 0;

  constructor(scenario: Scenario, options: LiveRunOptions) {
    this.scenario = scenario;
    this.group = new RunGroup(scenario, {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.models !== undefined ? { models: options.models } : {}),
      ...(options.untilUs !== undefined ? { untilUs: options.untilUs } : {}),
    });
    this.source = options.source;
    this.savePath = options.savePath;
    this.cwd = options.cwd ?? process.cwd();
    this.now = options.now ?? (() => performance.now());
    this.log.narrator = this.group.runs[0]!.name;
    for (const r of this.group.runs) this.log.initial(r.name, r.log);
    // The event log shows each note as the run tells it (narration events carry the note as written).
    this.group.subscribe((model, e) => this.log.listener(model, e.type === 'narration' ? { ...e, text: this.noteText(e.index) } : e));
    // As the run will be judged at its end: the model's safe-zone warnings withdraw promises (lease reads beyond the drift bound).
    this.promised = this.group.runs.map((r) => promisesOf(r.spec, r.safeZoneWarnings, scenario.network).promised);
  }

  // ---- what the screen reads ---------------------------------------------------

  get mode(): UiMode {
    return this.modes.mode;
  }

  get playing(): boolean {
    return this.modes.mode === 'playing';
  }

  get speed(): number {
    return SPEEDS[this.speedIndex]!;
  }

  get models(): readonly string[] {
    return this.group.runs.map((r) => r.name);
  }

  get nodes(): readonly string[] {
    return this.scenario.nodes;
  }

  /** Notes at or before the clock not told yet: a run stopped at a note leaves the next ones of its instant to tell. */
  private get notesDue(): boolean {
    return this.group.runs[0]!.notesDue > 0;
  }

  /** At the end of the run, every note told. */
  get atEnd(): boolean {
    return this.group.ended && !this.notesDue;
  }

  /** The result of the whole run, once it reached its end (verdicts, traceHash, linearizability). */
  get final(): RunResult | null {
    return this.result;
  }

  /** Each model's figures so far (computed once per position). */
  figures(): LiveFigures[] {
    const key = `${this.group.nowUs}:${this.group.position.events.join(',')}`;
    if (this.figuresCache?.key !== key) this.figuresCache = { key, figures: this.group.runs.map((r) => r.figures()) };
    return this.figuresCache.figures;
  }

  /** Every model's landmarks, by time. */
  landmarks(): Landmark[] {
    return this.group.runs.flatMap((r) => r.landmarks()).sort((a, b) => a.atUs - b.atUs);
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const l of this.changeListeners) l();
  }

  // ---- playing -------------------------------------------------------------------

  togglePlay(): void {
    if (this.mode === 'help') this.modes.send({ type: 'CLOSE' });
    if (!this.playing && this.atEnd) {
      this.setStatus('at the end: g goes back to the start, [ to the previous landmark', 'info');
      return;
    }
    this.modes.send({ type: 'PLAY_PAUSE' });
    if (this.playing) {
      this.alert = null;
      this.status = null;
      this.lastWallMs = this.now();
      this.schedule();
    } else this.cancel();
    this.changed();
  }

  private pause(): void {
    if (this.playing) this.modes.send({ type: 'STOP' });
    this.cancel();
  }

  /** The next slice `delayMs` from now (a frame's time by default). */
  private schedule(delayMs = SLICE_MS): void {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.slice();
    }, delayMs);
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One slice of playing: the simulated time the wall time since the last slice is worth at this speed (at full speed, as much as fits the budget). */
  slice(): void {
    if (!this.playing) return;
    const start = this.now();
    const wallMs = Math.min(start - this.lastWallMs, CATCH_UP_MS_MAX);
    this.lastWallMs = start;
    const speed = this.speed;
    const targetUs = speed === Infinity ? this.group.endUs : Math.min(this.group.endUs, this.group.nowUs + Math.max(1, Math.round(wallMs * 1000 * speed)));
    let stopped: 'violation' | 'narration' | null = null;
    const stops = this.stops((e) => e.type === 'violation' || e.type === 'narration');
    // At the target (the end among them) notes of its instant may be left to tell, each a stop of its own.
    while ((this.group.nowUs < targetUs || this.notesDue) && this.now() - start < SLICE_BUDGET_MS) {
      const stepUs = speed === Infinity ? FULL_SPEED_STEP_US : Math.max(1, Math.round(1000 * speed * 5));
      if (this.group.runUntil(Math.min(targetUs, this.group.nowUs + stepUs), stops.stopWhen) === 'stopped') {
        const at = stops.at();
        stopped = at.some((e) => e.type === 'violation') ? 'violation' : at.length > 0 ? 'narration' : null;
        break;
      }
    }
    if (stopped === 'violation') this.stopAtViolation();
    else if (stopped === 'narration') this.pause();
    else if (this.promiseNewlyAtRisk()) this.pause();
    if (this.atEnd) this.reachEnd();
    // Slices start a frame apart (not a frame after the last one ended), so that at full speed the simulation gets most of the time; the gap of at least a few ms is for keys and the frame's drawing.
    if (this.playing) this.schedule(Math.max(SLICE_GAP_MS_MIN, SLICE_MS - (this.now() - start)));
    this.changed();
  }

  /**
   * A `stopWhen` for the group that stops at the events `wanted` picks (the scenario's notes: the narrator's only, as
   * the event log keeps them), and `at()`, called once the group stopped: those of them at the instant it stopped at,
   * the note among them shown. A model that stopped later was taken back to that instant (its events after it undone),
   * so what it told after it is not shown: a note is shown once, at its own time.
   */
  private stops(wanted: (e: RunEvent) => boolean): { stopWhen: (model: string, e: RunEvent) => boolean; at: () => RunEvent[] } {
    const seen: RunEvent[] = [];
    const narrator = this.log.narrator;
    return {
      stopWhen: (model, e) => {
        if (!wanted(e) || (e.type === 'narration' && model !== narrator)) return false;
        seen.push(e);
        return true;
      },
      at: () => {
        const nowUs = this.group.nowUs;
        const at = seen.filter((e) => e.atUs === nowUs);
        seen.length = 0;
        const note = at.find((e) => e.type === 'narration');
        if (note?.type === 'narration') {
          this.note = this.noteText(note.index);
          this.askAt(note.index);
        }
        return at;
      },
    };
  }

  private stopAtViolation(): void {
    this.pause();
    // The first violation of the instant the run stopped at.
    const nowUs = this.group.nowUs;
    const v = this.group.runs.flatMap((r) => r.landmarks().filter((l) => l.kind === 'violation' && l.atUs === nowUs).map((l) => `${r.name}: ${l.text}`));
    this.alert = `${seconds(nowUs)} VIOLATION ${v[0] ?? ''}`;
  }

  /** True when a figure a model promises to keep at 0 has just become positive (the run then pauses on it). */
  private promiseNewlyAtRisk(): boolean {
    const figures = this.figures();
    let newly: string | null = null;
    this.group.runs.forEach((r, i) => {
      for (const key of this.promised[i]!) {
        const figure = key === 'noLostWrites' ? 'lostWrites' : key === 'noStaleReads' ? 'staleReads' : key === 'noDirtyReads' ? 'dirtyReads' : null;
        if (figure === null) continue;
        const id = `${i}:${key}`;
        const value = figures[i]![figure];
        if (value > 0 && !this.atRisk.has(id)) {
          this.atRisk.add(id);
          newly ??= `${r.name}: promise "${PROMISE_NAMES[key]}" broken so far: ${figure} ${value}`;
        } else if (value === 0) this.atRisk.delete(id);
      }
    });
    if (newly !== null) this.alert = `${seconds(this.group.nowUs)} ${newly}`;
    return newly !== null;
  }

  private reachEnd(): void {
    this.pause();
    this.result ??= this.group.finish();
    const broken = this.result.runs.flatMap((r) => r.summary.violations.map((v) => `${r.name}: ${v.invariant}`));
    if (broken.length > 0) this.alert = `at the end: ${broken.join('; ')}`;
  }

  private moved(): void {
    if (!this.group.ended) this.result = null;
  }

  // ---- keys ------------------------------------------------------------------------

  stepForward(): void {
    this.pause();
    if (!this.group.step()) this.setStatus('the run is at its end', 'info');
    else this.status = null;
    this.afterMove();
  }

  stepBack(): void {
    this.pause();
    if (!this.group.back()) this.setStatus('at the start', 'info');
    else this.status = null;
    this.afterMove();
  }

  /** To just after the next fault, leader taking office or violation of any model. */
  nextLandmark(): void {
    this.pause();
    const fromUs = this.group.nowUs;
    // A note of this instant not told yet (the run stopped at the one before it) is the next landmark too.
    const stops = this.stops((e) => (e.atUs > fromUs || e.type === 'narration') && LANDMARK_EVENT(e));
    const stop = this.group.runUntil(this.group.endUs, stops.stopWhen);
    if (stop === 'stopped') stops.at();
    this.status = stop === 'stopped' ? null : { text: 'no landmark ahead: at the end', tone: 'info' };
    this.afterMove();
  }

  /** To the previous landmark (before the clock) of any model: every event of its instant run. */
  previousLandmark(): void {
    this.pause();
    const nowUs = this.group.nowUs;
    const earlier = this.landmarks().filter((l) => l.atUs < nowUs);
    const target = earlier[earlier.length - 1];
    this.group.seekTime(target?.atUs ?? 0);
    this.status = target === undefined ? { text: 'no landmark before: at the start', tone: 'info' } : null;
    this.afterMove();
  }

  toStart(): void {
    this.pause();
    this.group.seekTime(0);
    this.status = null;
    this.afterMove();
  }

  toEnd(): void {
    this.pause();
    this.group.runUntil(this.group.endUs);
    this.status = null;
    this.afterMove();
  }

  private afterMove(): void {
    this.alert = null;
    this.moved();
    this.promiseNewlyAtRisk();
    if (this.atEnd) this.reachEnd();
    this.changed();
  }

  faster(): void {
    this.speedIndex = Math.min(SPEEDS.length - 1, this.speedIndex + 1);
    this.changed();
  }

  slower(): void {
    this.speedIndex = Math.max(0, this.speedIndex - 1);
    this.changed();
  }

  nextModel(): void {
    this.selected = (this.selected + 1) % this.group.runs.length;
    this.changed();
  }

  moveCursor(by: number): void {
    const n = this.scenario.nodes.length;
    this.cursor = (this.cursor + by + n) % n;
    this.changed();
  }

  get cursorNode(): string {
    return this.scenario.nodes[this.cursor]!;
  }

  /** A fault by hand, into every model at one instant (forking the run when looking at the past). */
  inject(action: FaultAction): void {
    try {
      const { atUs, texts } = this.group.inject(action);
      const distinct = [...new Set(Object.values(texts))];
      this.setStatus(`${seconds(atUs)}: ${distinct.length === 1 ? distinct[0] : Object.entries(texts).map(([m, t]) => `${m}: ${t}`).join('; ')} (every model)`, 'ok');
      this.moved();
    } catch (error) {
      if (!(error instanceof InjectionError)) throw error;
      this.setStatus(`not injected: ${error.message}`, 'error');
    }
  }

  crash(): void {
    this.inject({ action: 'crash', target: this.cursorNode });
  }

  restart(): void {
    this.inject({ action: 'restart', target: this.cursorNode });
  }

  isolate(): void {
    this.inject({ action: 'isolate', target: this.cursorNode });
  }

  heal(): void {
    this.inject({ action: 'heal' });
  }

  /** Writes the scenario with every fault injected by hand, never over an existing file; returns the path. */
  write(): string | null {
    const text = this.group.writeScenario(this.source);
    const wanted = this.savePath ?? join(this.cwd, `${this.scenario.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'scenario'}.live.yaml`);
    const path = freshPath(wanted);
    try {
      writeFileSync(path, text, { flag: 'wx' });
    } catch (error) {
      this.setStatus(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'error');
      return null;
    }
    this.written.push(path);
    const n = this.group.injected.length;
    this.setStatus(`wrote ${path} (${n} ${n === 1 ? 'fault' : 'faults'} by hand): raftsim run ${basename(path)} replays it`, 'ok');
    return path;
  }

  /** A key was pressed: the note the run stopped at has been read. */
  keyPressed(): void {
    if (this.note === null) return;
    this.note = null;
    this.question = null;
    this.questionHint = false;
    this.changed();
  }

  /** A key that does nothing while a question waits (the question stays, nothing is injected): the screen says which keys do. */
  questionWaits(): void {
    if (this.question === null) return;
    this.questionHint = true;
    this.changed();
  }

  /** The notes as this run tells them and the questions' answers (see `told`), for the faults injected so far. */
  private narration(): NonNullable<LiveRun['told']> {
    const injected = this.group.injected;
    const key = JSON.stringify(injected);
    if (this.told?.key !== key) {
      const n = narration(this.scenario, { seed: this.group.seed, models: this.group.runs.map((r) => r.name), injected });
      this.told = { key, texts: n.told.map((t) => t.text), answers: new Map(n.answers.map((a) => [this.scenario.notes.indexOf(a.note), a])) };
    }
    return this.told;
  }

  /** The note at `index` as the run tells it. */
  private noteText(index: number): string {
    return this.narration().texts[index] ?? '';
  }

  /** The note at `index` asks a question: wait for a choice. Its answer is computed from the run, never written by hand. */
  private askAt(index: number): void {
    const note = this.scenario.notes[index];
    if (note?.question === undefined) return;
    const a = this.narration().answers.get(index);
    if (a === undefined || a.choice < 0) return;
    this.question = { choices: note.question.choices, right: a.choice, because: a.because };
  }

  /** A digit while a question waits: the student's choice, told right or wrong with what the run shows. True when the key was taken. */
  answer(input: string): boolean {
    const q = this.question;
    if (q === null || !/^[1-9]$/.test(input)) return false;
    const chosen = Number(input) - 1;
    if (chosen >= q.choices.length) return false;
    this.question = null;
    this.questionHint = false;
    const verdict = chosen === q.right ? 'Right' : `Not quite: it is ${q.choices[q.right]}`;
    this.note = `You chose ${q.choices[chosen]}. ${verdict} (${q.because}). Press space to play on and watch.`;
    this.changed();
    return true;
  }

  toggleHelp(): void {
    this.pause();
    this.modes.send({ type: this.mode === 'help' ? 'CLOSE' : 'HELP' });
    this.changed();
  }

  closeHelp(): void {
    if (this.mode === 'help') this.modes.send({ type: 'CLOSE' });
    this.changed();
  }

  private setStatus(text: string, tone: Status['tone']): void {
    this.status = { text, tone };
    this.changed();
  }

  /** The exit code on quitting: as `raftsim run` gives at the end (a violation, a broken promise, a failed expect line); before the end, 1 when a violation was seen. */
  exitCode(): number {
    if (this.result !== null) return this.result.runs.some((r) => r.summary.violations.length > 0) || this.result.expectations.some((e) => !e.ok) ? 1 : 0;
    return this.group.runs.some((r) => r.landmarks().some((l) => l.kind === 'violation' && l.atUs <= this.group.nowUs)) ? 1 : 0;
  }

  dispose(): void {
    this.pause();
    this.changeListeners.clear();
  }
}

/** `path`, or when a file is there, `NAME-2.EXT`, `NAME-3.EXT`, ...: never over an existing file. */
export function freshPath(path: string): string {
  if (!existsSync(path)) return path;
  const ext = path.endsWith('.live.yaml') ? '.live.yaml' : extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!existsSync(candidate)) return candidate;
  }
}

function seconds(us: Us): string {
  return `${(us / 1e6).toFixed(3)} s`;
}
