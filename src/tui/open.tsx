/** @jsxRuntime automatic */
import { render, type Instance } from 'ink';
import { readFileSync } from 'node:fs';
import type { Us } from '../core/time.ts';
import type { Scenario } from '../scenario/types.ts';
import { App } from './App.tsx';
import { LiveRun } from './live-run.ts';

export interface OpenUiOptions {
  readonly seed?: number;
  readonly models?: readonly string[];
  readonly untilUs?: Us;
  readonly savePath?: string;
}

/** Ink draws at most this many frames a second, however often the run changes. */
export const UI_MAX_FPS = 30;

/** Where the UI draws and reads keys: the process's terminal, or (the benchmark) streams of its own. */
export interface UiStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
}

/** The live run `openUi` drives: `scenario` (loaded from `file`) with the UI's options. */
export function createLiveRun(file: string, scenario: Scenario, options: OpenUiOptions): LiveRun {
  return new LiveRun(scenario, {
    source: readFileSync(file, 'utf8'),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.models !== undefined ? { models: options.models } : {}),
    ...(options.untilUs !== undefined ? { untilUs: options.untilUs } : {}),
    ...(options.savePath !== undefined ? { savePath: options.savePath } : {}),
  });
}

/** Starts `live` playing and draws it with Ink, as `openUi` does (the benchmark passes streams of its own). */
export function mountUi(live: LiveRun, color: boolean, streams?: UiStreams): Instance {
  // The run starts playing, from the first frame on.
  live.togglePlay();
  return render(<App live={live} color={color} />, { maxFps: UI_MAX_FPS, exitOnCtrlC: true, patchConsole: streams === undefined, ...(streams ?? {}) });
}

/** The alternate screen: the UI gets a screen of its own, and the terminal is as it was after quitting. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
 * Opens the terminal UI on `scenario` (loaded from `file`) and resolves
 * with the exit code when the user quits: 0, or 1 when a promise was
 * broken or a rule violated (as `raftsim run`). Call only when stdin and
 * stdout are terminals.
 */
export async function openUi(file: string, scenario: Scenario, options: OpenUiOptions): Promise<number> {
  const live = createLiveRun(file, scenario, options);
  // NO_COLOR (https://no-color.org): set and not empty.
  const color = (process.env['NO_COLOR'] ?? '') === '';
  process.stdout.write(ENTER_ALT_SCREEN);
  try {
    const ink = mountUi(live, color);
    await ink.waitUntilExit();
  } finally {
    live.dispose();
    process.stdout.write(LEAVE_ALT_SCREEN);
  }
  const at = (live.group.nowUs / 1e6).toFixed(3);
  process.stdout.write(`raftsim: left ${scenario.name} at ${at} s of ${(live.group.endUs / 1e6).toFixed(3)} s (seed ${live.group.seed})\n`);
  for (const path of live.written) process.stdout.write(`wrote ${path}\n`);
  const final = live.final;
  if (final !== null) for (const r of final.runs) process.stdout.write(`  ${r.name.padEnd(18)} traceHash ${r.summary.traceHash}  ${r.verdict}\n`);
  return live.exitCode();
}
