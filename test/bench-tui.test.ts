import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

/**
 * `raftsim bench tui` measures the real UI in a fake terminal: its report's
 * shape and the invariants between its figures, never their timing (this
 * machine's load decides those).
 */
describe('bench tui', () => {
  it('reports first frame, frames per second, key latency, paused CPU and the run to its end, with the goals', async () => {
    const r = await cli('bench', 'tui', '--keys', '3', '--paused', '300ms', '--no-tmux', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.terminal).toBe('100x30');
    expect(json.firstFrameMs).toBeGreaterThan(0);
    expect(json.tmuxFirstFrameMs).toBeNull();
    // Played to the end: every simulated second of duration + settle, a frame at least at each note's stop.
    expect(json.play.simulatedS).toBe(25);
    expect(json.play.stops).toBeGreaterThan(0);
    expect(json.play.frames).toBeGreaterThan(json.play.stops);
    // Ink's cap: never more than 30 frames in any second, however fast the run goes.
    expect(json.play.fpsMaxWindow).toBeLessThanOrEqual(30);
    for (const at of [json.keyLatency.normal, json.keyLatency.fullSpeed]) {
      expect(at.n).toBe(3);
      expect(at.medianMs).toBeGreaterThan(0);
      expect(at.medianMs).toBeLessThanOrEqual(at.maxMs);
    }
    // Paused, nothing is drawn.
    expect(json.pausedFrames).toBe(0);
    expect(json.goalsMet.map((g: { name: string }) => g.name)).toEqual(['first frame', 'frames per second', 'key latency', 'idle CPU', 'to the end at full speed']);
  }, 60_000);

  it('rejects a bad option with a usage error', async () => {
    const r = await cli('bench', 'tui', '--cols', '10');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--cols');
  });
});
