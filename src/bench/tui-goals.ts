/**
 * The terminal UI's goals, as `raftsim bench tui` checks them (kept apart
 * from the benchmark so that the command line loads the UI only to run it):
 * first frame within 0.5 s, at most 30 frames a second however fast the run
 * goes (the UI's own cap), a key's effect on screen within 100 ms, CPU near
 * zero when paused (under 2% of a core), and the default scenario at full
 * speed at its end within 3 s of wall time.
 */
export const TUI_GOALS = { firstFrameMs: 500, fps: 30, keyLatencyMs: 100, pausedCpu: 0.02, endWallMs: 3000 } as const;
