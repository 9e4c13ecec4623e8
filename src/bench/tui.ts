import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { raftsimBin } from './bin.ts';
import { loadScenario } from '../scenario/load.ts';
import { createLiveRun, mountUi, type UiStreams } from '../tui/open.tsx';
import type { LiveRun } from '../tui/live-run.ts';
import { summarize, type Summary } from './stats.ts';
import { TUI_GOALS } from './tui-goals.ts';

/**
 * `raftsim bench tui`: the terminal UI's own speed, measured on the real UI
 * (the `App` Ink draws for `raftsim run`, mounted as `openUi` mounts it)
 * drawing into a fake terminal: a stdout stream that says it is a TTY of
 * `cols`×`rows` and records every write with the wall time, and a stdin
 * stream the benchmark types keys into. A frame is what Ink writes between
 * a synchronized-update start and end (one screen). The issue's goals:
 * first frame within 0.5 s, at most 30 frames a second however fast the
 * run goes, a key's effect on screen within 100 ms, CPU near zero when
 * paused, and the default scenario at full speed at its end within 3 s.
 */

export { TUI_GOALS };

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';

interface FrameRecord {
  readonly atMs: number;
  readonly text: string;
}

/** A terminal's output side: a TTY of a given size that keeps every frame written, with its time. */
class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  columns: number;
  rows: number;
  readonly frames: FrameRecord[] = [];
  private open: string[] | null = null;
  private waiters: { test: (f: FrameRecord) => boolean; resolve: (f: FrameRecord) => void }[] = [];

  constructor(cols: number, rows: number) {
    super();
    this.columns = cols;
    this.rows = rows;
  }

  write = (data: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    if (text === BSU) this.open = [];
    else if (text === ESU) {
      if (this.open !== null) this.frame(this.open.join(''));
      this.open = null;
    } else if (this.open !== null) this.open.push(text);
    // Without synchronized updates (never here: the stream is a TTY and CI is unset), every write is a frame.
    else this.frame(text);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };

  private frame(text: string): void {
    const f = { atMs: performance.now(), text };
    this.frames.push(f);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(f)) return true;
      w.resolve(f);
      return false;
    });
  }

  /** The first frame from now on that passes `test`. */
  next(test: (text: string) => boolean, timeoutMs = 10_000, what = ''): Promise<FrameRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench tui: no frame showed the expected change ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        test: (f) => test(f.text),
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Stops waiting (unmounting). */
  end(): void {
    this.waiters = [];
  }
}

/** A terminal's input side: keys written by the benchmark, read by Ink as from a terminal in raw mode. */
class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  type(keys: string): void {
    this.data = keys;
    this.emit('readable');
    this.emit('data', keys);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

class FakeStderr extends EventEmitter {
  write = (): boolean => true;
}

export interface TuiBenchOptions {
  /** The scenario (default: the one `npm start` opens). */
  readonly file: string;
  readonly cols: number;
  readonly rows: number;
  /** Keys timed (half pause, half play). */
  readonly keys: number;
  /** How long the CPU is watched while paused. */
  readonly pausedMs: number;
  /** Also time the real binary's first screen in tmux, when tmux is there. */
  readonly tmux: boolean;
  readonly progress?: (what: string) => void;
}

export interface TuiBenchReport {
  readonly file: string;
  readonly cols: number;
  readonly rows: number;
  /** From loading the scenario to the first frame written (in process: the modules are loaded already). */
  readonly firstFrameMs: number;
  /** Playing at full speed from the start to the end. */
  readonly play: {
    readonly wallMs: number;
    readonly frames: number;
    readonly fps: number;
    /** The most frames in any 1000 ms window. */
    readonly fpsMaxWindow: number;
    /** Times the run paused on its own on the way (a scenario note, a promise broken so far) and a key played on. */
    readonly stops: number;
    /** Wall time of the pauses, from the frame that showed it to the frame that showed the run playing again. */
    readonly stoppedMs: number;
    readonly simulatedS: number;
  };
  /** A key (space) typed to the frame that shows its effect (paused / playing), at ×1 and at full speed. */
  readonly keyLatencyMs: { readonly normal: Summary; readonly fullSpeed: Summary };
  /** Process CPU time over wall time while paused. */
  readonly pausedCpu: number;
  readonly pausedFrames: number;
  /** The real binary in tmux: from the command starting to its header on screen; null without tmux. */
  readonly tmuxFirstFrameMs: number | null;
}

const HEADER = (text: string): boolean => text.includes('raftsim ');
const PAUSED = (text: string): boolean => text.includes('‖ paused');
const PLAYING = (text: string): boolean => text.includes('▶ playing');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Mounted {
  readonly live: LiveRun;
  readonly stdout: FakeStdout;
  readonly stdin: FakeStdin;
  readonly startMs: number;
  readonly unmount: () => void;
}

function mount(options: TuiBenchOptions): Mounted {
  const stdout = new FakeStdout(options.cols, options.rows);
  const stdin = new FakeStdin();
  const startMs = performance.now();
  const live = createLiveRun(options.file, loadScenario(options.file), {});
  const streams = { stdout, stdin, stderr: new FakeStderr() } as unknown as UiStreams;
  const ink = mountUi(live, true, streams);
  return {
    live,
    stdout,
    stdin,
    startMs,
    unmount: () => {
      live.dispose();
      ink.unmount();
      stdout.end();
    },
  };
}

/** Types `key` and resolves with the time until a frame passes `shows`. */
async function timeKey(m: Mounted, key: string, shows: (text: string) => boolean): Promise<number> {
  const frame = m.stdout.next(shows, 10_000, `after the key ${JSON.stringify(key)}`);
  const at = performance.now();
  m.stdin.type(key);
  try {
    return (await frame).atMs - at;
  } catch (e) {
    throw new Error(`${(e as Error).message} (the run ${m.live.mode} at ${m.live.group.nowUs} µs)`);
  }
}

/**
 * Space on a paused run: resolves with the next frame (Ink draws only what
 * changed). It need not show the run playing: the run may stop again before
 * the frame is drawn — at the next note, at full speed, or at once at a note
 * of the very instant a key paused it.
 */
async function playOn(m: Mounted): Promise<number> {
  return timeKey(m, ' ', () => true);
}

export async function tuiBench(options: TuiBenchOptions): Promise<TuiBenchReport> {
  const progress = options.progress ?? (() => {});

  // First frame (a warm-up mount first, so the figure is the UI's, not the first JIT's).
  progress('warming up');
  {
    const warm = mount(options);
    await warm.stdout.next(HEADER);
    warm.unmount();
  }
  progress('first frame');
  let firstFrameMs: number;
  {
    const m = mount(options);
    const first = m.stdout.frames[0] ?? (await m.stdout.next(HEADER));
    firstFrameMs = first.atMs - m.startMs;
    m.unmount();
  }

  // Full speed from the start to the end: frames per second, wall time.
  progress('playing at full speed');
  let play: TuiBenchReport['play'];
  {
    const m = mount(options);
    await m.stdout.next(HEADER);
    await timeKey(m, '++++++', (t) => t.includes(' max '));
    const from = performance.now();
    const framesBefore = m.stdout.frames.length;
    let stops = 0;
    let stoppedMs = 0;
    const ENDED = (t: string): boolean => t.includes('verdict ');
    // The frame that shows the run stopped (it may be drawn already: a note can pause the run in the slice right after a key).
    const stopped = async (): Promise<FrameRecord> => {
      const last = m.stdout.frames[m.stdout.frames.length - 1]!;
      return !m.live.playing && (PAUSED(last.text) || ENDED(last.text)) ? last : m.stdout.next((t) => PAUSED(t) || ENDED(t), 60_000);
    };
    let stop = await stopped();
    while (m.live.final === null) {
      // Paused on its own (a note, a promise broken so far): a key plays on.
      stops++;
      await playOn(m);
      stoppedMs += performance.now() - stop.atMs;
      if (m.live.final !== null) break;
      stop = await stopped();
    }
    const last = m.stdout.frames[m.stdout.frames.length - 1]!;
    if (!ENDED(last.text)) await m.stdout.next(ENDED);
    const to = m.stdout.frames[m.stdout.frames.length - 1]!.atMs;
    await sleep(60);
    const frames = m.stdout.frames.slice(framesBefore).map((f) => f.atMs);
    let fpsMaxWindow = 0;
    for (let i = 0, j = 0; i < frames.length; i++) {
      while (frames[i]! - frames[j]! >= 1000) j++;
      fpsMaxWindow = Math.max(fpsMaxWindow, i - j + 1);
    }
    const wallMs = to - from;
    play = { wallMs, frames: frames.length, fps: (frames.length / wallMs) * 1000, fpsMaxWindow, stops, stoppedMs, simulatedS: m.live.group.nowUs / 1e6 };
    m.unmount();
  }

  // Key latency: space pauses (the header says paused), space plays again; at ×1, then at full speed.
  const latencies = async (fullSpeed: boolean): Promise<Summary> => {
    progress(`keys at ${fullSpeed ? 'full speed' : '×1'}`);
    const m = mount(options);
    await m.stdout.next(HEADER);
    if (fullSpeed) await timeKey(m, '++++++', (t) => t.includes(' max '));
    const samples: number[] = [];
    const ensurePlaying = async (): Promise<void> => {
      // At the end (full speed gets there between keys): back to the start.
      if (m.live.group.ended) await timeKey(m, 'g', (t) => t.includes(' 0.000 s /'));
      // A note or a broken promise may have paused the run: play on.
      if (!m.live.playing) await playOn(m);
    };
    for (let i = 0; i < options.keys; i++) {
      await ensurePlaying();
      // Keys arrive at every phase of a slice: waits spread over 0..2 frames.
      await sleep(10 + ((i * 23) % 60));
      await ensurePlaying();
      samples.push(await timeKey(m, ' ', PAUSED));
    }
    m.unmount();
    return summarize(samples.sort((a, b) => a - b));
  };
  const normal = await latencies(false);
  const fullSpeed = await latencies(true);

  // CPU while paused.
  progress('paused');
  let pausedCpu: number;
  let pausedFrames: number;
  {
    const m = mount(options);
    await m.stdout.next(HEADER);
    await timeKey(m, ' ', PAUSED);
    await sleep(200);
    const frames = m.stdout.frames.length;
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await sleep(options.pausedMs);
    const used = process.cpuUsage(cpu);
    pausedCpu = (used.user + used.system) / 1000 / (performance.now() - wall);
    pausedFrames = m.stdout.frames.length - frames;
    m.unmount();
  }

  const tmuxFirstFrameMs = options.tmux ? await tmuxFirstFrame(options, progress) : null;
  return { file: options.file, cols: options.cols, rows: options.rows, firstFrameMs, play, keyLatencyMs: { normal, fullSpeed }, pausedCpu, pausedFrames, tmuxFirstFrameMs };
}

/**
 * The real binary's first screen, process start included: it runs in a
 * pseudo-terminal of cols×rows made by util-linux's `script` (tmux where
 * `script` is missing), and the time is taken from spawning it to the header
 * arriving on the terminal. `script` hands the output over as it is written;
 * timing through tmux also counts starting a tmux server and polling its
 * pane, some 150-250 ms that are not the UI's. Null when neither is there.
 */
async function tmuxFirstFrame(options: TuiBenchOptions, progress: (what: string) => void): Promise<number | null> {
  const bin = raftsimBin();
  const command = `env -u CI -u CONTINUOUS_INTEGRATION ${process.execPath} ${bin} run ${options.file}`;
  const samples: number[] = [];
  if (spawnSync('script', ['--version']).status === 0) {
    progress('the binary in a pseudo-terminal');
    // The first start warms the disk cache.
    for (let i = 0; i < 4; i++) {
      const ms = await firstScreenInScript(`stty cols ${options.cols} rows ${options.rows}; exec ${command}`);
      if (ms !== null && i > 0) samples.push(ms);
    }
    return samples.length === 0 ? null : summarize(samples.sort((a, b) => a - b)).median;
  }
  if (spawnSync('tmux', ['-V']).status !== 0) return null;
  progress('the binary in tmux');
  const session = `raftsim-bench-${process.pid}`;
  for (let i = 0; i < 4; i++) {
    const start = performance.now();
    const r = spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', String(options.cols), '-y', String(options.rows), command]);
    if (r.status !== 0) return null;
    let ms: number | null = null;
    while (performance.now() - start < 10_000) {
      const pane = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
      if (pane.stdout.includes('raftsim ') && pane.stdout.includes('seed ')) {
        ms = performance.now() - start;
        break;
      }
      await sleep(10);
    }
    spawnSync('tmux', ['kill-session', '-t', session]);
    if (ms !== null && i > 0) samples.push(ms);
  }
  return samples.length === 0 ? null : summarize(samples.sort((a, b) => a - b)).median;
}

/** Milliseconds from spawning `script` running `shellCommand` to the UI's header in its output; null after 10 s. */
function firstScreenInScript(shellCommand: string): Promise<number | null> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn('script', ['-qfec', shellCommand, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    let seen = '';
    let done = false;
    const finish = (ms: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve(ms);
    };
    const timer = setTimeout(() => finish(null), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('raftsim ') && seen.includes('seed ')) finish(performance.now() - start);
    });
    child.on('exit', () => finish(null));
  });
}


export function tuiJson(r: TuiBenchReport): unknown {
  const ms = (x: number) => Math.round(x * 10) / 10;
  const lat = (s: Summary) => ({ medianMs: ms(s.median), p90Ms: ms(s.p90), maxMs: ms(s.max), n: s.n });
  return {
    file: r.file,
    terminal: `${r.cols}x${r.rows}`,
    firstFrameMs: ms(r.firstFrameMs),
    tmuxFirstFrameMs: r.tmuxFirstFrameMs === null ? null : ms(r.tmuxFirstFrameMs),
    play: { wallMs: ms(r.play.wallMs), frames: r.play.frames, fps: ms(r.play.fps), fpsMaxWindow: r.play.fpsMaxWindow, stops: r.play.stops, simulatedS: r.play.simulatedS },
    keyLatency: { normal: lat(r.keyLatencyMs.normal), fullSpeed: lat(r.keyLatencyMs.fullSpeed) },
    pausedCpu: Math.round(r.pausedCpu * 10000) / 10000,
    pausedFrames: r.pausedFrames,
    goals: TUI_GOALS,
    goalsMet: goals(r).map(([name, , met]) => ({ name, met })),
  };
}

function goals(r: TuiBenchReport): [string, string, boolean][] {
  const first = Math.max(r.firstFrameMs, r.tmuxFirstFrameMs ?? 0);
  const keyMax = Math.max(r.keyLatencyMs.normal.max, r.keyLatencyMs.fullSpeed.max);
  return [
    ['first frame', `within ${TUI_GOALS.firstFrameMs} ms: ${first.toFixed(0)} ms`, first <= TUI_GOALS.firstFrameMs],
    ['frames per second', `at most ${TUI_GOALS.fps}: ${r.play.fpsMaxWindow} in the busiest second`, r.play.fpsMaxWindow <= TUI_GOALS.fps],
    ['key latency', `within ${TUI_GOALS.keyLatencyMs} ms: max ${keyMax.toFixed(0)} ms`, keyMax <= TUI_GOALS.keyLatencyMs],
    ['idle CPU', `near zero (under ${TUI_GOALS.pausedCpu * 100}%): ${(r.pausedCpu * 100).toFixed(2)}%`, r.pausedCpu < TUI_GOALS.pausedCpu],
    ['to the end at full speed', `within ${TUI_GOALS.endWallMs} ms: ${r.play.wallMs.toFixed(0)} ms`, r.play.wallMs <= TUI_GOALS.endWallMs],
  ];
}

export function tuiText(r: TuiBenchReport): string {
  const lat = (s: Summary) => `median ${s.median.toFixed(1)} ms, p90 ${s.p90.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.n} keys)`;
  const out = [
    `The terminal UI on ${r.file}, drawn into a fake ${r.cols}×${r.rows} terminal`,
    '',
    `first frame (in process, from loading the scenario): ${r.firstFrameMs.toFixed(1)} ms`,
    `first screen of the binary in a pseudo-terminal (process start included): ${r.tmuxFirstFrameMs === null ? 'not measured (no script or tmux)' : `${r.tmuxFirstFrameMs.toFixed(0)} ms (median of 3)`}`,
    `full speed, start to end: ${r.play.wallMs.toFixed(0)} ms of wall time for ${r.play.simulatedS.toFixed(1)} simulated s, ${r.play.stops} stops on the way (notes), ${r.play.frames} frames: ${r.play.fps.toFixed(1)} per second, ${r.play.fpsMaxWindow} in the busiest second`,
    `key to frame (space: paused / playing) at ×1: ${lat(r.keyLatencyMs.normal)}`,
    `key to frame at full speed: ${lat(r.keyLatencyMs.fullSpeed)}`,
    `paused: CPU ${(r.pausedCpu * 100).toFixed(2)}% of one core, ${r.pausedFrames} frames`,
    '',
  ];
  for (const [name, text, met] of goals(r)) out.push(`goal, ${name} ${text}: ${met ? 'met' : 'NOT met'}`);
  return out.join('\n') + '\n';
}
