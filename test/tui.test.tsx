/** @jsxRuntime automatic */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { App } from '../src/tui/App.tsx';
import { buildFrame, frameText } from '../src/tui/frame.ts';
import { LiveRun } from '../src/tui/live-run.ts';

const FILE = 'scenarios/cap/split-brain.yaml';
const KEY = { left: '\u001B[D', right: '\u001B[C', up: '\u001B[A', down: '\u001B[B', tab: '\t' } as const;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function open(options: { cwd?: string } = {}) {
  const live = new LiveRun(loadScenario(FILE), { source: readFileSync(FILE, 'utf8'), ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  const ui = render(<App live={live} color={false} size={{ cols: 100, rows: 30 }} />);
  cleanups.push(() => {
    live.dispose();
    ui.unmount();
  });
  const frame = (): string => ui.lastFrame() ?? '';
  /** Writes a key and waits until the frame has taken it (Ink reads stdin a tick later). */
  const press = async (key: string): Promise<void> => {
    const before = live.version;
    ui.stdin.write(key);
    for (let i = 0; i < 200 && live.version === before; i++) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 5));
  };
  return { live, ui, frame, press };
}

const line = (frame: string, starts: string): string => frame.split('\n').find((l) => l.startsWith(starts)) ?? '';
const nodeRow = (frame: string, node: string): string => frame.split('\n').find((l) => new RegExp(`^[ ›]${node} `).test(l)) ?? '';

describe('the terminal UI (100×30)', () => {
  it('fits 100×30: never wider than 100 columns, never as tall as the terminal', () => {
    const { frame } = open();
    const lines = frame().split('\n');
    expect(lines.length).toBe(29);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(100);
    expect(lines[0]).toContain('split-brain');
    expect(lines[0]).toContain('seed 1');
  });

  it('a partition appears in the network line', async () => {
    const { live, frame, press } = open();
    live.group.runUntil(4_990_000);
    await press('.');
    expect(line(frame(), 'net')).toContain('connected');
    await press(']'); // the next landmark: the partition at 5 s
    expect(live.group.nowUs).toBe(5_000_000);
    const net = line(frame(), 'net');
    const groups = live.group.runs[0]!.snapshot().network.groups;
    expect(groups.length).toBe(2);
    expect(net).toContain(`A[${groups[0]!.join(' ')}] ╳ B[${groups[1]!.join(' ')}]`);
    // Every node's row names its side.
    for (const n of groups[1]!) expect(nodeRow(frame(), n)).toMatch(/ B /);
  });

  it("a crash changes the node's row in every model's column", async () => {
    const { live, frame, press } = open();
    live.group.runUntil(2_000_000);
    await press('.');
    await press(KEY.down);
    await press(KEY.down); // the cursor on n3
    expect(nodeRow(frame(), 'n3')).not.toContain('DOWN');
    await press('c');
    const row = nodeRow(frame(), 'n3');
    expect(row.match(/DOWN/g)?.length).toBe(live.models.length);
    expect(frame()).toContain('crash n3 (by hand)');
    await press('r');
    expect(nodeRow(frame(), 'n3')).not.toContain('DOWN');
  });

  it('a step back then a step forward returns a frame identical to the one left', async () => {
    const { live, frame, press } = open();
    live.group.runUntil(5_200_000);
    for (let i = 0; i < 5; i++) await press('.');
    const left = frame();
    await press(KEY.left);
    expect(frame()).not.toBe(left);
    await press(KEY.right);
    expect(frame()).toBe(left);
    // Several back, as many forward.
    for (let i = 0; i < 4; i++) await press(KEY.left);
    for (let i = 0; i < 4; i++) await press('.');
    expect(frame()).toBe(left);
  });

  it('back then forward returns the same frame wherever the run is, whichever model the step was in', () => {
    const live = new LiveRun(loadScenario(FILE), { source: readFileSync(FILE, 'utf8') });
    const frame = (): string => frameText(buildFrame(live, { cols: 100, rows: 29, color: true }));
    for (const t of [173_000, 1_000_000, 2_500_000, 5_000_000, 12_000_000]) {
      live.group.runUntil(t);
      live.stepForward();
      const left = frame();
      live.stepBack();
      live.stepBack();
      live.stepForward();
      live.stepForward();
      expect(frame(), `at ${t}us`).toBe(left);
    }
  });

  it('a fault injected by hand is in the written scenario, which replays to the traceHash the UI shows for every model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-tui-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { live, frame, press } = open({ cwd: dir });
    live.group.runUntil(6_000_000);
    await press('.');
    await press(KEY.down);
    await press('c'); // crash n2
    await press(KEY.down);
    await press('i'); // isolate n3
    await press('w');
    const path = join(dir, 'split-brain.live.yaml');
    expect(frame()).toContain('wrote');
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/# injected by hand\n {2}- at: \d+us\n {4}crash: n2\n/);
    expect(text).toMatch(/# injected by hand\n {2}- at: \d+us\n {4}isolate: n3\n/);
    // Never over an existing file.
    await press('w');
    expect(readdirSync(dir).sort()).toEqual(['split-brain-2.live.yaml', 'split-brain.live.yaml']);

    await press('G');
    const hashes = line(frame(), 'traceHash');
    const replayed = runScenario(loadScenario(path));
    for (const run of replayed.runs) expect(hashes).toContain(run.summary.traceHash);
    // And the scenario without the faults gives other traces.
    const plain = runScenario(loadScenario(FILE));
    expect(hashes).not.toContain(plain.runs[0]!.summary.traceHash);
  });

  it("the scenario's notes are shown at their moment, and any key clears them", async () => {
    const { live, frame, press } = open();
    const first = live.scenario.notes[0]!;
    // The landmarks up to the first note (a leader may take office before it).
    while (live.note === null && live.group.nowUs < first.atUs) await press(']');
    expect(live.group.nowUs).toBe(first.atUs);
    expect(line(frame(), 'note  ')).toContain(first.text.split(' ').slice(0, 4).join(' '));
    await press('x');
    expect(line(frame(), 'note  ')).toBe('');
    expect(frame()).toContain(` ${(first.atUs / 1e6).toFixed(3)} s note `);
  });

  it('? shows every key, and any key goes back', async () => {
    const { frame, press } = open();
    await press('?');
    for (const key of ['space', '. or →', '←', '] / [', 'g / G', '+ / -', 'tab', '↑ / ↓', 'c / r', 'i', 'h', 'w', 'q']) expect(frame()).toContain(`  ${key}`);
    await press('x');
    expect(line(frame(), 'net')).toContain('connected');
  });

  it('tab selects the next model: its network and its messages in flight', async () => {
    const { live, frame, press } = open();
    live.group.runUntil(1_000_000);
    await press('.');
    expect(line(frame(), 'net')).toContain(`(${live.models[0]})`);
    await press(KEY.tab);
    expect(line(frame(), 'net')).toContain(`(${live.models[1]})`);
    expect(frame()).toContain(`in flight (${live.models[1]})`);
  });

  it('+ and - change the speed, space plays and pauses', async () => {
    const { live, frame, press } = open();
    expect(line(frame(), 'raftsim')).toContain('×1 ');
    await press('+');
    expect(line(frame(), 'raftsim')).toContain('×2 ');
    await press('-');
    await press('-');
    expect(line(frame(), 'raftsim')).toContain('×1/2 ');
    await press(' ');
    expect(line(frame(), 'raftsim')).toContain('playing');
    await new Promise((r) => setTimeout(r, 150));
    await press(' ');
    expect(line(frame(), 'raftsim')).toContain('paused');
    expect(live.group.nowUs).toBeGreaterThan(0);
  });

  it('without colour, a log strip shows each entry by its term', () => {
    const live = new LiveRun(loadScenario(FILE), { source: readFileSync(FILE, 'utf8') });
    live.group.runUntil(6_000_000);
    const text = frameText(buildFrame(live, { cols: 100, rows: 29, color: false }));
    const leader = live.group.runs[0]!.snapshot().nodes.find((n) => n.role === 'leader')!;
    expect(nodeRow(text, leader.name)).toContain(String(leader.term % 10).repeat(4));
  });
});

describe('the terminal UI in a narrow terminal (80×30): the selected model in full, the others summarised', () => {
  const narrow = (atUs: number, color = false) => {
    const live = new LiveRun(loadScenario(FILE), { source: readFileSync(FILE, 'utf8') });
    live.group.runUntil(atUs);
    return { live, text: frameText(buildFrame(live, { cols: 80, rows: 29, color })) };
  };

  it('no line is cut where it carries meaning: the header ends with the phase, every summary with its figures, every message in flight with its term', () => {
    const { live, text } = narrow(5_300_000);
    const lines = text.split('\n');
    expect(lines.length).toBe(29);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/ scripted$/);
    // The selected model (raft) in full: a row per node.
    for (const n of live.nodes) expect(nodeRow(text, n)).toMatch(/LEAD|foll|cand|DOWN|pre /);
    // Every other model on one line, its figures whole.
    const figures = live.figures();
    live.models.forEach((m, i) => {
      if (i === live.selected) return;
      const summary = line(text, `  ${m} `);
      const f = figures[i]!;
      expect(summary).toContain('2 sides'); // the partition of 5 s
      expect(summary).toMatch(new RegExp(`avail ${(f.availability * 100).toFixed(1)}%( · ok/fail/info ${f.ops.ok}/${f.ops.fail}/${f.ops.info})?$`));
    });
    // Messages in flight: the type may be cut, never the endpoints, the time to arrival or the term.
    const inFlight = lines.filter((l) => l.includes('│ ') && /→n\d/.test(l.split('│')[1] ?? ''));
    expect(inFlight.length).toBeGreaterThan(0);
    for (const l of inFlight) expect(l.split('│')[1]).toMatch(/n\d→n\d +-?\d+\.\d ms t\d+$/);
  });
});

describe('the promises the UI judges while the run goes are the ones the run is judged by at its end', () => {
  it('lease reads beyond the drift bound promise neither fresh reads nor linearizability, from the first frame (scenarios/raft/lease-drift.yaml)', () => {
    const file = 'scenarios/raft/lease-drift.yaml';
    const live = new LiveRun(loadScenario(file), { source: readFileSync(file, 'utf8') });
    const drifted = live.models.indexOf('lease-drift');
    expect(live.promised[drifted]).not.toContain('noStaleReads');
    expect(live.promised[drifted]).not.toContain('linearizable');
    expect(live.promised[live.models.indexOf('lease')]).toContain('noStaleReads');
    live.dispose();
  });
});

describe('a lesson in the terminal UI: predict, then watch', () => {
  it('a fault injected by hand that makes a note false: the note is told as the run shows it, not as written', () => {
    const file = 'scenarios/lessons/01-electing-a-leader.yaml';
    const scenario = loadScenario(file);
    const live = new LiveRun(scenario, { source: readFileSync(file, 'utf8') });
    cleanups.push(() => live.dispose());
    // The note at 200 ms names the first leader: crash it by hand before it takes office.
    const note = scenario.notes.find((n) => n.fact?.leader !== undefined && n.fact.model === scenario.models[0]!.name)!;
    live.group.runUntil(100_000);
    live.cursor = scenario.nodes.indexOf(note.fact!.leader!);
    live.crash();
    expect(live.group.injected).toHaveLength(1);
    while (live.note === null || !live.note.includes(`${(note.atUs / 1000).toFixed(0)}ms`)) {
      if (live.note !== null) live.keyPressed();
      live.togglePlay();
      live.slice();
      if (live.playing) live.togglePlay();
      if (live.atEnd) break;
    }
    expect(live.group.nowUs).toBe(note.atUs);
    expect(live.note).not.toBe(note.text);
    expect(live.note).toContain('does not hold in this run (faults injected by hand)');
  });


  it('while a question waits, only a choice, space and q act: any other key (a digit out of range, tab, arrows, a fault key) leaves the question asked and the run as it is, and the screen says which keys work', async () => {
    const file = 'scenarios/lessons/01-electing-a-leader.yaml';
    const live = new LiveRun(loadScenario(file), { source: readFileSync(file, 'utf8') });
    const ui = render(<App live={live} color={false} size={{ cols: 100, rows: 30 }} />);
    cleanups.push(() => {
      live.dispose();
      ui.unmount();
    });
    const write = async (key: string): Promise<void> => {
      ui.stdin.write(key);
      await new Promise((r) => setTimeout(r, 15));
    };
    await write(' ');
    for (let i = 0; i < 500 && live.question === null; i++) await new Promise((r) => setTimeout(r, 5));
    expect(live.question).not.toBeNull();
    const choices = live.question!.choices.length;
    const here = () => ({ now: live.group.nowUs, events: live.group.position.events.join(','), selected: live.selected, cursor: live.cursor, speed: live.speedIndex, injected: live.group.injected.length, mode: live.mode });
    const before = here();
    for (const key of [String(choices + 1), '0', KEY.tab, KEY.left, KEY.right, KEY.up, KEY.down, 'c', 'r', 'i', 'h', 'x', ']', 'g', 'G', '+', '?', 'w']) {
      await write(key);
      expect(live.question, `after ${JSON.stringify(key)}`).not.toBeNull();
      expect(here(), `after ${JSON.stringify(key)}`).toEqual(before);
    }
    expect(live.written).toEqual([]);
    const lines = (ui.lastFrame() ?? '').split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^1-${choices} answer +space play on without answering +q quit`));
    expect(lines.some((l) => l.includes(`(a question waits: press 1-${choices} to answer it, or space to play on; other keys do nothing until then)`))).toBe(true);
    // A choice still answers it.
    await write('1');
    expect(live.question).toBeNull();
    expect(live.note).toContain('You chose');
  });


  it('stops at a question, takes a digit as the answer, and tells right or wrong from the run', async () => {
    const file = 'scenarios/lessons/01-electing-a-leader.yaml';
    const scenario = loadScenario(file);
    const live = new LiveRun(scenario, { source: readFileSync(file, 'utf8') });
    const ui = render(<App live={live} color={false} size={{ cols: 100, rows: 30 }} />);
    cleanups.push(() => {
      live.dispose();
      ui.unmount();
    });
    const press = async (key: string): Promise<void> => {
      const before = live.version;
      ui.stdin.write(key);
      for (let i = 0; i < 200 && live.version === before; i++) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 5));
    };
    // The first note (at 0 s) asks who wins the first election: playing stops at it.
    await press(' ');
    for (let i = 0; i < 500 && live.question === null; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(live.question).not.toBeNull();
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('QUESTION: Which node will win the first election?');
    expect(frame).toContain('press 1-5 to answer');
    // The right answer comes from the run: the node that takes office next.
    const first = runScenario(scenario).runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!.text.split(' ')[0]!;
    const wrong = ['n1', 'n2', 'n3', 'n4', 'n5'].find((n) => n !== first)!;
    await press(String(Number(wrong.slice(1))));
    expect(live.question).toBeNull();
    expect(live.note).toContain(`You chose ${wrong}. Not quite: it is ${first}`);
    expect(live.note).toContain(`${first} took office in term 1`);
  });
});
