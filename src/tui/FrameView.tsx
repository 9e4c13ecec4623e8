/** @jsxRuntime automatic */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import type { Frame, Line, Tone } from './frame.ts';

/** Terminal colours for the frame's meanings. Terms cycle through colours that mean nothing else in a log strip (never red: red is what broke). */
const COLORS: Readonly<Record<string, string>> = {
  leader: 'green',
  candidate: 'yellow',
  follower: 'white',
  down: 'red',
  paused: 'magenta',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  title: 'cyan',
  fault: 'magenta',
  cursor: 'cyanBright',
  term0: 'blueBright',
  term1: 'cyan',
  term2: 'magenta',
  term3: 'yellow',
  term4: 'green',
  term5: 'white',
};

interface LineProps {
  readonly line: Line;
  readonly color: boolean;
}

function LineView({ line, color }: LineProps): ReactElement {
  return (
    <Text wrap="truncate">
      {line.map((s, i) => {
        const tone: Tone | undefined = s.tone;
        const dim = tone === 'dim';
        const fg = color && tone !== undefined && !dim ? COLORS[tone] : undefined;
        return (
          <Text key={i} {...(fg !== undefined ? { color: fg } : {})} dimColor={color && dim} bold={s.bold === true} inverse={s.inverse === true}>
            {s.text}
          </Text>
        );
      })}
    </Text>
  );
}

interface FrameViewProps {
  readonly frame: Frame;
  /** False under NO_COLOR: no colour at all, the text carries the meaning. */
  readonly color: boolean;
}

/** Prints a frame: one Text per line, each cut to the width (never wrapped). */
export function FrameView({ frame, color }: FrameViewProps): ReactElement {
  return (
    <Box flexDirection="column" width={frame.width} height={frame.height}>
      {frame.lines.map((line, i) => (
        <LineView key={i} line={line} color={color} />
      ))}
    </Box>
  );
}
