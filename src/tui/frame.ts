import { kindOf } from '../run/registry.ts';
import type { LiveFigures, NodeSnapshot, RunSnapshot } from '../run/events.ts';
import { PROMISE_NAMES, type PromiseKey } from '../run/promises.ts';
import type { ModelRun } from '../run/types.ts';
import type { LiveRun } from './live-run.ts';

/**
 * What the screen shows, as plain data: lines of coloured segments, built
 * from the runs' snapshots and figures. The Ink components only print
 * them, so a frame is a function of (the run's position, the UI's state,
 * the terminal's size) — which is what "step back then forward returns the
 * same frame" rests on. Colours are meanings (`role-leader`, `bad`), mapped
 * to terminal colours by the component, or dropped under NO_COLOR; where a
 * colour carries information (the terms of a log tail), the text carries it
 * too when colour is off.
 */

export type Tone =
  | 'leader'
  | 'candidate'
  | 'follower'
  | 'down'
  | 'paused'
  | 'good'
  | 'bad'
  | 'warn'
  | 'dim'
  | 'title'
  | 'fault'
  | 'cursor'
  | `term${number}`;

export interface Segment {
  readonly text: string;
  readonly tone?: Tone;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

export type Line = readonly Segment[];

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly lines: readonly Line[];
}

export interface FrameOptions {
  readonly cols: number;
  /** The rows to fill (the terminal's height minus one: Ink clears the screen on every frame as tall as the terminal). */
  readonly rows: number;
  readonly color: boolean;
}

/** Terms cycle through this many colours in log strips. */
const TERM_TONES = 6;
/** A column per model when each gets at least this many characters; else the selected one in full and the others one line each. */
const PANEL_WIDTH_MIN = 30;
/** Rows from which each client gets a line of its own. */
const ROWS_FOR_CLIENT_LINES = 40;
const LABEL_WIDTH = 23;

export function buildFrame(live: LiveRun, options: FrameOptions): Frame {
  const width = Math.max(60, options.cols);
  const height = Math.max(20, options.rows);
  if (live.mode === 'help') return { width, height, lines: fit(helpLines(live), height, width) };
  const snapshots = live.group.snapshots({ logTail: 64, inFlightMax: 40, recentOutcomes: 60 });
  const figures = live.figures();
  const selected = snapshots[live.selected]!;
  const lines: Line[] = [];
  lines.push(headerLine(live, selected, width));
  lines.push(networkLine(live, selected, width));
  const columns = Math.floor(width / snapshots.length) >= PANEL_WIDTH_MIN;
  const clientLines = height >= ROWS_FOR_CLIENT_LINES;
  if (columns) {
    const w = Math.floor(width / snapshots.length);
    const panels = snapshots.map((s, i) => panelLines(live, s, i, w, clientLines, options.color));
    const tall = Math.max(...panels.map((p) => p.length));
    for (let row = 0; row < tall; row++) lines.push(panels.flatMap((p) => p[row] ?? [{ text: ' '.repeat(w) }]));
  } else {
    lines.push(...panelLines(live, selected, live.selected, width, clientLines, options.color));
    snapshots.forEach((s, i) => {
      if (i !== live.selected) lines.push(summaryLine(s, figures[i]!, width));
    });
  }
  lines.push(...tableLines(live, figures, width));
  const footer: Line[] = [...noteLines(live, width), statusLine(live, width), helpLine(live, width)];
  // The event pane makes the room for the rest: it shrinks, to nothing if need be, and what is above it keeps its
  // place. The footer (the note, the status and the help line) is always at the bottom; only a screen too small for
  // even the panels and the footer loses the panels' last lines.
  const room = Math.max(0, height - lines.length - footer.length);
  lines.push(...eventPane(live, selected, room, width));
  const body = lines.slice(0, Math.max(0, height - footer.length));
  return { width, height, lines: fit([...body, ...footer], height, width) };
}

// ---- header and network ---------------------------------------------------------

function headerLine(live: LiveRun, s: RunSnapshot, width: number): Line {
  const now = live.group.nowUs;
  const speed = live.speed === Infinity ? 'max' : live.speed >= 1 ? `×${live.speed}` : `×1/${Math.round(1 / live.speed)}`;
  const left: Segment[] = [
    { text: 'raftsim ', tone: 'title', bold: true },
    { text: `${live.scenario.name}  seed ${live.group.seed}  ` },
    live.playing ? { text: '▶ playing', tone: 'good' } : { text: '‖ paused ', tone: 'warn' },
    { text: ` ${speed.padEnd(6)}` },
    { text: `${seconds(now)} / ${seconds(s.endUs)} ` },
  ];
  const phase = s.phase === 'ended' ? 'ended' : s.phase;
  const right: Segment[] = [{ text: ` ${phase.padEnd(8)}`, tone: phase === 'settle' ? 'warn' : phase === 'ended' ? 'dim' : undefined }, { text: '  ? keys', tone: 'dim' }];
  // Narrow terminals: the bar shrinks to 8 cells, then the '? keys' hint goes (the help line has it), so the phase is never cut.
  if (width - textWidth(left) - textWidth(right) < 8) right.pop();
  const barWidth = Math.max(4, width - textWidth(left) - textWidth(right));
  // The bar covers duration + settle; the settle part is drawn dim.
  const filled = Math.round((now / s.endUs) * barWidth);
  const settleAt = Math.round((s.durationUs / s.endUs) * barWidth);
  const bar: Segment[] = [
    { text: '█'.repeat(Math.min(filled, settleAt)), tone: 'good' },
    { text: '█'.repeat(Math.max(0, filled - settleAt)), tone: 'warn' },
    { text: '░'.repeat(Math.max(0, settleAt - filled)), tone: 'dim' },
    { text: '▒'.repeat(Math.max(0, barWidth - Math.max(filled, settleAt))), tone: 'dim' },
  ];
  return [...left, ...bar, ...right];
}

function networkLine(live: LiveRun, s: RunSnapshot, width: number): Line {
  const net = s.network;
  const out: Segment[] = [{ text: 'net ', tone: 'title', bold: true }, { text: `(${s.model}) `, tone: 'dim' }];
  if (net.groups.length <= 1) out.push({ text: 'connected', tone: 'good' });
  else net.groups.forEach((g, i) => {
    if (i > 0) out.push({ text: ' ╳ ', tone: 'bad', bold: true });
    out.push({ text: `${sideName(i)}[${g.join(' ')}]`, tone: 'fault' });
  });
  if (net.cuts.length > 0) out.push({ text: `  cut ${net.cuts.map((c) => `${c.from}→${c.to}`).join(' ')}`, tone: 'bad' });
  out.push({ text: `  latency ${ms(net.latencyUsMin)}–${ms(net.latencyUsMax)} ms` });
  if (net.drop > 0) out.push({ text: `  loss ${pct(net.drop)}`, tone: 'warn' });
  if (net.duplicate > 0) out.push({ text: `  dup ${pct(net.duplicate)}`, tone: 'warn' });
  const cursor: Segment = { text: `  node ${live.cursorNode} (↑↓)`, tone: 'cursor' };
  const pad = width - textWidth(out) - textWidth([cursor]);
  return pad > 0 ? [...out, { text: ' '.repeat(pad) }, cursor] : out;
}

// ---- a model's panel ----------------------------------------------------------------

function panelLines(live: LiveRun, s: RunSnapshot, index: number, w: number, clientLines: boolean, color: boolean): Line[] {
  const inner = w - 1;
  const ui = kindOf(s.kind).ui;
  const pr = ui.lag;
  const sel = index === live.selected;
  const nameW = Math.max(...s.nodes.map((n) => n.name.length));
  const showApplied = !pr || inner >= 40;
  const showLag = pr;
  // name role term cmt [app] [lag] strip side
  const fixed = 1 + nameW + 1 + 4 + 1 + 3 + 1 + 4 + (showApplied ? 5 : 0) + (showLag ? 4 : 0) + 1 + 2;
  const stripW = Math.max(2, inner - fixed);
  const lines: Line[] = [];
  const title = `${sel ? '▸' : ' '} ${s.model} `;
  lines.push(padLine([{ text: title, tone: 'title', bold: sel, inverse: sel }, { text: '─'.repeat(Math.max(0, inner - title.length)), tone: 'dim' }], w));
  const head = ` ${' '.repeat(nameW)} ${'role'} ${ui.termHead} ${' cmt'}${showApplied ? '  app' : ''}${showLag ? ' lag' : ''} ${'log'.padEnd(stripW)} `;
  lines.push(padLine([{ text: head, tone: 'dim' }], w));
  // A node's side is named by its group's place in the network line (A, B, ...).
  const groupOf = new Map<string, number>();
  s.network.groups.forEach((g, gi) => g.forEach((name) => groupOf.set(name, gi)));
  const partitioned = s.network.groups.length > 1;
  s.nodes.forEach((n, i) => {
    const row: Segment[] = [];
    const cur = i === live.cursor;
    row.push({ text: cur ? '›' : ' ', tone: 'cursor', bold: true });
    row.push({ text: n.name.padEnd(nameW), bold: cur });
    row.push({ text: ' ' });
    row.push(roleSegment(n));
    row.push({ text: ` ${num(n.term, 3)} ${num(n.commitIndex, 4)}` });
    if (showApplied) row.push({ text: ` ${num(n.appliedIndex, 4)}` });
    if (showLag) row.push({ text: ` ${n.status === 'crashed' ? '  ·' : num(n.lag, 3)}`, ...(n.lag > 0 ? { tone: 'warn' as const } : {}) });
    row.push({ text: ' ' });
    row.push(...logStrip(n, stripW, color));
    const side = partitioned ? sideName(groupOf.get(n.name) ?? 0) : '·';
    row.push({ text: ` ${side}`, ...(partitioned ? { tone: 'fault' as const } : { tone: 'dim' as const }) });
    lines.push(padLine(row, w));
  });
  lines.push(padLine(ui.office === null ? officeLessLine(s) : ui.office === 'primary' ? lockLine(s) : raftLine(s), w));
  lines.push(...clientStrips(s, w, clientLines));
  return lines;
}

function roleSegment(n: NodeSnapshot): Segment {
  if (n.status === 'crashed') return { text: 'DOWN', tone: 'down', bold: true };
  if (n.status === 'paused') return { text: 'paus', tone: 'paused' };
  switch (n.role) {
    case 'leader':
      return { text: 'LEAD', tone: 'leader', bold: true };
    case 'primary':
      return { text: 'PRIM', tone: 'leader', bold: true };
    case 'candidate':
      return { text: 'cand', tone: 'candidate' };
    case 'preCandidate':
      return { text: 'pre ', tone: 'candidate' };
    case 'replica':
      return { text: 'repl', tone: 'follower' };
    case 'follower':
      return { text: 'foll', tone: 'follower' };
    default:
      return { text: n.role.slice(0, 4).padEnd(4), tone: 'follower' };
  }
}

/** The node's last log entries, one cell each, coloured by term; committed entries solid. Without colour, each cell is its term's last digit. */
function logStrip(n: NodeSnapshot, width: number, color: boolean): Segment[] {
  const tail = n.logTail.slice(-width);
  const firstIndex = n.logLength - tail.length + 1;
  const out: Segment[] = [];
  tail.forEach((term, j) => {
    const committed = firstIndex + j <= n.commitIndex;
    const text = color ? (committed ? '▮' : '▯') : String(term % 10);
    const last = out[out.length - 1];
    const tone: Tone = `term${term % TERM_TONES}`;
    if (last !== undefined && last.tone === tone) out[out.length - 1] = { text: last.text + text, tone };
    else out.push({ text, tone });
  });
  out.push({ text: ' '.repeat(width - tail.length) });
  return out;
}

function raftLine(s: RunSnapshot): Line {
  const leader = s.nodes.find((n) => n.name === s.leader);
  return [{ text: ' leader ', tone: 'dim' }, { text: leader === undefined ? 'none' : `${leader.name} term ${leader.term}`, tone: leader === undefined ? 'warn' : 'leader' }, { text: `  wire ${s.inFlightTotal}`, tone: 'dim' }];
}

/** A kind without an office: every node coordinates its own clients' requests. */
function officeLessLine(s: RunSnapshot): Line {
  return [{ text: ' leaderless', tone: 'dim' }, { text: `  wire ${s.inFlightTotal}`, tone: 'dim' }];
}

function lockLine(s: RunSnapshot): Line {
  const primary = s.nodes.find((n) => n.role === 'primary' && n.status === 'up' && n.name === s.leader) ?? s.nodes.find((n) => n.role === 'primary' && n.status === 'up');
  const lock = s.lock;
  const out: Segment[] = [{ text: ' lock ', tone: 'dim' }, { text: lock == null ? 'nobody' : `${lock.holder} ep${lock.epoch}`, tone: lock == null ? 'warn' : 'leader' }];
  const sync = primary?.syncStandbys;
  if (sync !== undefined) out.push({ text: ' sync ', tone: 'dim' }, { text: sync.length === 0 ? 'none' : sync.join(' ') });
  const primaries = s.nodes.filter((n) => n.role === 'primary' && n.status === 'up');
  if (primaries.length > 1) out.push({ text: ` ${primaries.length}×PRIM`, tone: 'bad', bold: true });
  return out;
}

/** Each client's recent outcomes: ▁ ok, x fail, t timeout, ? unknown; oldest left. */
function clientStrips(s: RunSnapshot, w: number, oneLineEach: boolean): Line[] {
  const glyph = (o: { outcome: string; error?: string }): Segment =>
    o.outcome === 'ok' ? { text: '▁', tone: 'good' } : o.outcome === 'fail' ? { text: 'x', tone: 'bad' } : { text: o.error === 'timeout' ? 't' : '?', tone: 'warn' };
  const strip = (c: RunSnapshot['clients'][number], cells: number): Segment[] => {
    const recent = c.recent.slice(-cells);
    const out: Segment[] = recent.map(glyph);
    if (recent.length < cells) out.push({ text: '·'.repeat(cells - recent.length), tone: 'dim' });
    return out;
  };
  if (oneLineEach) {
    return s.clients.map((c) => {
      const label = ` c${c.client}→${c.node} `;
      return padLine([{ text: label, tone: 'dim' }, ...strip(c, Math.max(1, w - 1 - label.length))], w);
    });
  }
  const label = ' c ';
  const cells = Math.max(1, Math.floor((w - 1 - label.length) / Math.max(1, s.clients.length)) - 1);
  const line: Segment[] = [{ text: label, tone: 'dim' }];
  s.clients.forEach((c, i) => {
    if (i > 0) line.push({ text: ' ' });
    line.push(...strip(c, cells));
  });
  return [padLine(line, w)];
}

function summaryLine(s: RunSnapshot, f: LiveFigures, width: number): Line {
  const up = s.nodes.filter((n) => n.status === 'up').length;
  const leader = s.nodes.find((n) => n.name === s.leader);
  const ui = kindOf(s.kind).ui;
  const line: Segment[] = [
    { text: `  ${s.model} `, tone: 'title' },
    ui.office === null
      ? { text: 'leaderless', tone: 'dim' }
      : { text: leader === undefined ? 'no leader' : `${ui.office} ${leader.name} ${ui.termWord} ${leader.term}`, tone: leader === undefined ? 'warn' : 'leader' },
    { text: ` · up ${up}/${s.nodes.length}${s.network.groups.length > 1 ? ` · ${s.network.groups.length} sides` : ''} · avail ${pct(f.availability)}` },
    ...(f.violations > 0 ? [{ text: ` · ${f.violations} violations`, tone: 'bad' as const }] : []),
  ];
  // What does not fit is left out whole, never cut: the operations are in the table below in full, the hint in the help line.
  const ops: Segment = { text: ` · ok/fail/info ${f.ops.ok}/${f.ops.fail}/${f.ops.info}` };
  if (textWidth(line) + textWidth([ops]) <= width) line.push(ops);
  const hint: Segment = { text: '  (tab shows it)', tone: 'dim' };
  if (textWidth(line) + textWidth([hint]) <= width) line.push(hint);
  return padLine(line, width);
}

// ---- the figures ---------------------------------------------------------------------

const PROMISE_LETTER: Readonly<Record<PromiseKey, string>> = { linearizable: 'L', noLostWrites: 'W', noStaleReads: 'S', noDirtyReads: 'D', converges: 'C' };

function tableLines(live: LiveRun, figures: readonly LiveFigures[], width: number): Line[] {
  const final = live.final;
  const runs: (ModelRun | undefined)[] = live.models.map((m) => final?.runs.find((r) => r.name === m));
  const n = live.models.length;
  const colW = Math.max(10, Math.floor((width - LABEL_WIDTH) / n));
  const soFar = final === null ? ' so far' : '';
  const row = (label: string, cell: (i: number) => Segment[]): Line => {
    const out: Segment[] = [{ text: label.padEnd(LABEL_WIDTH).slice(0, LABEL_WIDTH), tone: 'dim' }];
    for (let i = 0; i < n; i++) out.push(...padSegments(cell(i), colW));
    return padLine(out, width);
  };
  const f = (i: number): LiveFigures => figures[i]!;
  const lines: Line[] = [];
  lines.push(row('figures' + soFar, (i) => [{ text: live.models[i]!, tone: 'title', bold: i === live.selected }]));
  lines.push(row('availability', (i) => [{ text: pct(runs[i]?.summary.availability ?? f(i).availability) }]));
  lines.push(
    row('ok / fail / info', (i) => {
      const ops = runs[i]?.summary.ops ?? f(i).ops;
      return [{ text: `${ops.ok} / ` }, { text: String(ops.fail), ...(ops.fail > 0 ? { tone: 'warn' as const } : {}) }, { text: ` / ${ops.info}` }];
    }),
  );
  lines.push(
    row('lost / stale / dirty', (i) => {
      const s = runs[i]?.summary ?? f(i);
      const promised = runs[i]?.promises.promised ?? live.promised[i]!;
      const cell = (v: number, key: PromiseKey): Segment => ({ text: String(v), ...(v > 0 ? { tone: promised.includes(key) ? ('bad' as const) : ('warn' as const) } : {}) });
      return [cell(s.lostWrites, 'noLostWrites'), { text: ' / ' }, cell(s.staleReads, 'noStaleReads'), { text: ' / ' }, cell(s.dirtyReads, 'noDirtyReads')];
    }),
  );
  lines.push(row('rtoMs · leaderChanges', (i) => [{ text: `${(runs[i]?.summary.rtoMs ?? f(i).rtoMs).toFixed(0)} · ${runs[i]?.summary.leaderChanges ?? f(i).leaderChanges}` }]));
  lines.push(
    row('violations · linear.', (i) => {
      const v = runs[i]?.summary.violations.length ?? f(i).violations;
      const lin = runs[i]?.summary.linearizable;
      const linText: Segment = lin === undefined ? { text: 'at the end', tone: 'dim' } : lin === null ? { text: 'unknown', tone: 'warn' } : lin ? { text: 'yes', tone: 'good' } : { text: 'NO', tone: 'bad', bold: true };
      return [{ text: String(v), ...(v > 0 ? { tone: 'bad' as const } : {}) }, { text: ' · ' }, linText];
    }),
  );
  lines.push(row('promises', (i) => promiseCells(live, runs[i], f(i), i)));
  lines.push(row('traceHash', (i) => (runs[i] === undefined ? [{ text: 'at the end', tone: 'dim' }] : [{ text: runs[i]!.summary.traceHash }])));
  return lines;
}

/** Each promise as its letter (L W S D C), then ✓ kept, ✗ broken, ? undecided; before the end a figure already above 0 shows ✗ (so far). */
function promiseCells(live: LiveRun, run: ModelRun | undefined, f: LiveFigures, i: number): Segment[] {
  const promised = run?.promises.promised ?? live.promised[i]!;
  if (promised.length === 0) return [{ text: 'none', tone: 'dim' }];
  const out: Segment[] = [];
  for (const key of promised) {
    if (out.length > 0) out.push({ text: ' ' });
    const name = PROMISE_NAMES[key];
    if (run !== undefined) {
      const broken = run.summary.violations.some((v) => v.invariant === `Promise: ${name}`);
      const undecided = run.summary.promisesUndecided?.includes(name) === true;
      out.push(broken ? { text: `${PROMISE_LETTER[key]}✗`, tone: 'bad', bold: true } : undecided ? { text: `${PROMISE_LETTER[key]}?`, tone: 'warn' } : { text: `${PROMISE_LETTER[key]}✓`, tone: 'good' });
      continue;
    }
    const figure = key === 'noLostWrites' ? f.lostWrites : key === 'noStaleReads' ? f.staleReads : key === 'noDirtyReads' ? f.dirtyReads : 0;
    out.push(figure > 0 ? { text: `${PROMISE_LETTER[key]}✗`, tone: 'bad', bold: true } : { text: PROMISE_LETTER[key] });
  }
  return out;
}

// ---- events, in flight, verdicts ----------------------------------------------------------

function eventPane(live: LiveRun, selected: RunSnapshot, rows: number, width: number): Line[] {
  const final = live.final;
  if (final !== null) {
    // At the end the verdicts take the whole width, the latest events what is left.
    const verdicts: Line[] = [padLine([{ text: `verdict ${'─'.repeat(width)}`, tone: 'dim' }], width)];
    const nameW = Math.max(...final.runs.map((r) => r.name.length));
    for (const r of final.runs) {
      const bad = r.summary.violations.length > 0;
      wrap(r.verdict, width - nameW - 3).forEach((w, i) =>
        verdicts.push(padLine([{ text: ` ${(i === 0 ? r.name : '').padEnd(nameW)}  `, tone: 'title' }, { text: w, ...(bad ? { tone: 'bad' as const } : {}) }], width)),
      );
    }
    const events = rows - verdicts.length;
    if (events < 2) return verdicts.slice(0, rows);
    return [...eventPaneLive(live, selected, events, width), ...verdicts];
  }
  return eventPaneLive(live, selected, rows, width);
}

function eventPaneLive(live: LiveRun, selected: RunSnapshot, rows: number, width: number): Line[] {
  const rightW = Math.min(60, Math.max(30, Math.floor(width * 0.36)));
  const leftW = width - rightW - 1;
  const tagW = Math.min(8, Math.max(3, ...live.models.map((m) => m.length)));
  const left: Line[] = [padLine([{ text: `events ${'─'.repeat(Math.max(0, leftW - 7))}`, tone: 'dim' }], leftW)];
  const logRows: Line[] = [];
  const textW = leftW - 9 - tagW - 1;
  for (const l of live.log.lines(rows - 1, live.models)) {
    const tone: Tone | undefined = l.kind === 'narration' ? 'title' : l.kind === 'violation' ? 'bad' : l.kind === 'fault' || l.kind === 'settle' ? 'fault' : l.kind === 'leader' ? 'leader' : l.kind === 'election' ? 'candidate' : l.kind === 'client-fail' ? 'warn' : l.kind === 'commit' ? 'dim' : undefined;
    // An election's votes end with the rules that decided them: wrapped, so that the rules are seen.
    const parts = l.kind === 'election' && l.text.length > textW && textW >= 20 ? wrap(l.text, textW) : [l.text];
    parts.forEach((text, k) =>
      logRows.push(
        padLine(
          [
            { text: k === 0 ? `${seconds(l.atUs).padStart(8)} ` : ' '.repeat(9), tone: 'dim' },
            { text: `${(k === 0 ? l.model.slice(0, tagW) : '').padEnd(tagW)} `, tone: 'title' },
            { text: k === 0 ? text : ` ${text}`, ...(tone !== undefined ? { tone } : {}), ...(l.kind === 'violation' ? { bold: true } : {}) },
          ],
          leftW,
        ),
      ),
    );
  }
  left.push(...logRows.slice(Math.max(0, logRows.length - (rows - 1))));
  const right: Line[] = [];
  {
    right.push(padLine([{ text: `in flight (${selected.model}) ${selected.inFlightTotal} ${'─'.repeat(rightW)}`, tone: 'dim' }], rightW));
    const now = live.group.nowUs;
    const shown = selected.inFlight.slice(0, Math.max(0, rows - 2));
    // The endpoints, the time to arrival and the term always show: a long message type is cut to what is left.
    const rest = Math.max(0, ...shown.map((m) => `${m.from}→${m.to}`.length + 9 + ` t${m.term}`.length));
    const msgW = Math.min(Math.max(0, ...shown.map((m) => m.message.length)), Math.max(4, rightW - 2 - rest));
    for (const m of shown) {
      right.push(padLine([{ text: ` ${m.message.slice(0, msgW).padEnd(msgW)} ` }, { text: `${m.from}→${m.to}`, tone: 'title' }, { text: ` ${((m.arriveUs - now) / 1000).toFixed(1).padStart(5)} ms`, tone: 'dim' }, { text: ` t${m.term}`, tone: `term${m.term % TERM_TONES}` }], rightW));
    }
    const more = selected.inFlightTotal - shown.length;
    if (more > 0 && right.length < rows) right.push(padLine([{ text: ` … ${more} more`, tone: 'dim' }], rightW));
  }
  const out: Line[] = [];
  for (let i = 0; i < rows; i++) out.push([...(left[i] ?? [{ text: ' '.repeat(leftW) }]), { text: '│', tone: 'dim' }, ...(right[i] ?? [])]);
  return out;
}

/** The scenario's note the run stopped at: up to three lines, until a key is pressed. */
function noteLines(live: LiveRun, width: number): Line[] {
  if (live.note === null) return [];
  // A question needs its choices in view: up to five lines then.
  const lines = wrap(live.note, width - 6).slice(0, live.question !== null ? 5 : 3);
  return lines.map((l, i) => padLine([{ text: i === 0 ? 'note  ' : '      ', tone: 'title', bold: true }, { text: l, bold: true }], width));
}

function statusLine(live: LiveRun, width: number): Line {
  if (live.question !== null) {
    const keys = `press 1-${live.question.choices.length} to answer, space to play on without answering`;
    const waits = `(a question waits: press 1-${live.question.choices.length} to answer it, or space to play on; other keys do nothing until then)`;
    return padLine([live.questionHint ? { text: waits, tone: 'warn' } : { text: `(a question: ${keys})`, tone: 'dim' }], width);
  }
  if (live.note !== null) return padLine([{ text: "(paused at the scenario's note: space plays on; other keys clear it and act as usual)", tone: 'dim' }], width);
  if (live.alert !== null) return padLine([{ text: `■ ${live.alert}`, tone: 'bad', bold: true }], width);
  if (live.status !== null) return padLine([{ text: live.status.text, tone: live.status.tone === 'error' ? 'bad' : live.status.tone === 'ok' ? 'good' : undefined }], width);
  if (live.final !== null) return padLine([{ text: 'the run is at its end: the verdicts above, traceHash in the table; w writes the scenario, q quits', tone: 'dim' }], width);
  const injected = live.group.injected.length;
  return padLine([{ text: `c r i: crash, restart, isolate ${live.cursorNode} in every model · h heals${injected > 0 ? ` · ${injected} by hand (w saves)` : ''}`, tone: 'dim' }], width);
}

/** The keys that work now: while a question waits, only its answers, space and q. */
function helpLine(live: LiveRun, width: number): Line {
  const q = live.question;
  const keys: [string, string][] = q !== null ? [[`1-${q.choices.length}`, 'answer'], ['space', 'play on without answering'], ['q', 'quit']] : [
    ['space', 'play'],
    ['.→', 'step'],
    ['←', 'back'],
    ['[]', 'landmark'],
    ['gG', 'ends'],
    ['+-', 'speed'],
    ['tab', 'model'],
    ['↑↓', 'node'],
    ['c r i h', 'faults'],
    ['w', 'save'],
    ['?', 'keys'],
    ['q', 'quit'],
  ];
  const out: Segment[] = [];
  for (const [k, what] of keys) {
    if (textWidth(out) + k.length + what.length + 2 > width) break;
    out.push({ text: k, bold: true }, { text: ` ${what} `, tone: 'dim' });
  }
  return out;
}

export const KEYS: readonly (readonly [string, string])[] = [
  ['space', 'play / pause'],
  ['. or →', 'one event forward (pauses)'],
  ['←', 'one event back'],
  ['] / [', 'next / previous landmark: a fault, a leader taking office, a violation (any model)'],
  ['g / G', 'the start / the end of the run'],
  ['+ / -', 'faster / slower: 1/100 of real time up to as fast as it goes'],
  ['tab', 'select the next model (its network, its messages in flight)'],
  ['↑ / ↓', 'move the node cursor (the same node in every model)'],
  ['c / r', 'crash / restart the node under the cursor, in every model at the same instant'],
  ['i', 'isolate the node under the cursor (in every model)'],
  ['h', 'heal every partition and cut (in every model)'],
  ['w', 'write the scenario with every fault injected by hand (--save FILE, else NAME.live.yaml)'],
  ['?', 'this help (any key closes it)'],
  ['q', 'quit (exit 1 if a promise was broken or a rule violated, as raftsim run)'],
];

function helpLines(live: LiveRun): Line[] {
  const lines: Line[] = [[{ text: 'raftsim — keys', tone: 'title', bold: true }], []];
  for (const [k, what] of KEYS) lines.push([{ text: `  ${k.padEnd(8)}`, bold: true }, { text: what }]);
  lines.push([]);
  lines.push([{ text: 'roles  ', tone: 'dim' }, { text: 'LEAD/PRIM', tone: 'leader', bold: true }, { text: ' leader or primary  ' }, { text: 'cand', tone: 'candidate' }, { text: ' candidate  ' }, { text: 'foll/repl', tone: 'follower' }, { text: ' follower or replica  ' }, { text: 'DOWN', tone: 'down', bold: true }, { text: ' crashed' }]);
  lines.push([{ text: 'log    ', tone: 'dim' }, { text: 'one cell per entry, coloured by term (without colour: the term\'s last digit); ▮ committed ▯ not yet' }]);
  lines.push([{ text: 'side   ', tone: 'dim' }, { text: 'A, B, ...: the partition group the node is in (· when nothing is partitioned)' }]);
  lines.push([{ text: 'clients', tone: 'dim' }, { text: ' ' }, { text: '▁', tone: 'good' }, { text: ' ok  ' }, { text: 'x', tone: 'bad' }, { text: ' fail  ' }, { text: 't', tone: 'warn' }, { text: ' timeout  ' }, { text: '?', tone: 'warn' }, { text: ' unknown (info); newest right' }]);
  lines.push([{ text: 'promise', tone: 'dim' }, { text: ' L linearizable, W no lost writes, S no stale reads, D no dirty reads, C converges; ✓ kept ✗ broken ? undecided' }]);
  lines.push([{ text: 'figures are "so far" until the end; a violation or a promise broken so far pauses the run (in red)', tone: 'dim' }]);
  lines.push([]);
  lines.push([{ text: `scenario ${live.scenario.name}: ${live.scenario.nodes.length} nodes, models ${live.models.join(', ')}`, tone: 'dim' }]);
  lines.push([{ text: 'press any key to go back', tone: 'dim' }]);
  return lines;
}

// ---- text helpers -----------------------------------------------------------------------

function textWidth(line: Line): number {
  let n = 0;
  for (const s of line) n += [...s.text].length;
  return n;
}

/** `segments` cut or padded to exactly `w` characters. */
function padSegments(segments: readonly Segment[], w: number): Segment[] {
  const out: Segment[] = [];
  let used = 0;
  for (const s of segments) {
    if (used >= w) break;
    const chars = [...s.text];
    const take = chars.slice(0, w - used);
    out.push({ ...s, text: take.join('') });
    used += take.length;
  }
  if (used < w) out.push({ text: ' '.repeat(w - used) });
  return out;
}

function padLine(segments: readonly Segment[], w: number): Line {
  return padSegments(segments, w);
}

/** Exactly `height` lines, each cut to `width`. */
function fit(lines: readonly Line[], height: number, width: number): Line[] {
  const out = lines.slice(0, height).map((l) => padSegments(l, width));
  while (out.length < height) out.push([{ text: ' '.repeat(width) }]);
  return out;
}

function wrap(text: string, w: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > w) {
      out.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) out.push(line);
  return out;
}

function sideName(i: number): string {
  return String.fromCharCode(65 + (i % 26));
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)} s`;
}

function ms(us: number): string {
  return Number((us / 1000).toFixed(1)).toString();
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function num(n: number, w: number): string {
  return String(n).padStart(w);
}

/** The frame as plain text (tests, and the README's capture). */
export function frameText(frame: Frame): string {
  return frame.lines.map((l) => l.map((s) => s.text).join('').trimEnd()).join('\n');
}
