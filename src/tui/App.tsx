/** @jsxRuntime automatic */
import { useApp, useInput, useStdin, type Key } from 'ink';
import { useMemo, type ReactElement } from 'react';
import { buildFrame } from './frame.ts';
import { FrameView } from './FrameView.tsx';
import type { LiveRun } from './live-run.ts';
import { useLiveRun } from './use-live-run.ts';
import { useTerminalSize } from './use-terminal-size.ts';

export interface AppProps {
  readonly live: LiveRun;
  /** False under NO_COLOR. */
  readonly color: boolean;
  /** Called on `q` (before Ink exits). */
  readonly onQuit?: () => void;
  /** Overrides the terminal's size (tests). */
  readonly size?: { readonly cols: number; readonly rows: number };
}

/**
 * The terminal UI: the frame of the live run, and the keys. Never as tall
 * as the terminal (Ink 6 clears the whole screen on each frame that is):
 * one row is left free.
 */
export function App({ live, color, onQuit, size }: AppProps): ReactElement {
  const version = useLiveRun(live);
  const terminal = useTerminalSize();
  const { cols, rows } = size ?? terminal;
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const onKey = (input: string, key: Partial<Key>): void => {
    // A digit answers the question the run stopped at (lessons: predict, then watch). While it waits, only that,
    // space (play on without answering) and q act: any other key (a digit out of range, a fault key) only says so.
    if (live.answer(input)) return;
    if (live.question !== null && input !== ' ' && input !== 'q') {
      live.questionWaits();
      return;
    }
    live.keyPressed();
    if (live.mode === 'help') {
      live.closeHelp();
      return;
    }
    if (input === 'q') {
      live.dispose();
      onQuit?.();
      exit();
      return;
    }
    if (input === ' ') live.togglePlay();
    else if (input === '.' || key.rightArrow) live.stepForward();
    else if (key.leftArrow || input === ',') live.stepBack();
    else if (input === ']') live.nextLandmark();
    else if (input === '[') live.previousLandmark();
    else if (input === 'g') live.toStart();
    else if (input === 'G') live.toEnd();
    else if (input === '+' || input === '=') live.faster();
    else if (input === '-' || input === '_') live.slower();
    else if (key.tab) live.nextModel();
    else if (key.upArrow || input === 'k') live.moveCursor(-1);
    else if (key.downArrow || input === 'j') live.moveCursor(1);
    else if (input === 'c') live.crash();
    else if (input === 'r') live.restart();
    else if (input === 'i') live.isolate();
    else if (input === 'h') live.heal();
    else if (input === 'w') live.write();
    else if (input === '?') live.toggleHelp();
  };
  useInput(
    (input, key) => {
      // Keys typed faster than they are read arrive as one string ("]]]"): each is a key.
      if (input.length > 1 && !key.ctrl && !key.meta) for (const ch of input) onKey(ch, {});
      else onKey(input, key);
    },
    // Ink's raw mode needs a terminal on stdin: without one, no keys (and no error).
    { isActive: isRawModeSupported === true },
  );
  const frame = useMemo(() => buildFrame(live, { cols, rows: rows - 1, color }), [live, version, cols, rows, color]);
  return <FrameView frame={frame} color={color} />;
}
