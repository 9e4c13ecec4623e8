import { formatUs, type Us } from '../core/time.ts';
import { describeOp } from '../check/linearizability/timeline.ts';
import type { LinearizabilityFailure } from '../check/linearizability/types.ts';
import type { ModelRun, RunResult } from '../run/types.ts';
import type { NetworkState, Recording, RoleSpan } from './recorder.ts';
import { xmlText } from './xml.ts';

/**
 * SVG pictures of a run, written by hand (no library, no browser), a pure
 * function of the run:
 *
 * - the space-time diagram of a window of the run: a lane per node coloured
 *   by its role, an arrow per message from its send to its delivery (a lost
 *   one dashed, ending in ×), the partition groups shaded, the faults as
 *   vertical lines;
 * - the client timeline of the whole run: a row per client, each operation
 *   a bar from invocation to completion coloured by outcome (ok, fail,
 *   info, still pending), partitions shaded, the failing window of a
 *   non-linearizable history outlined;
 * - for a history that is not linearizable, the failure as the text report
 *   draws it: the last operations linearized and those that cannot follow.
 *
 * Every model's picture of a kind has the same size and the same time axis,
 * so they can be set side by side or stacked (`all-*.svg`).
 */

export interface TimeWindow {
  readonly fromUs: Us;
  readonly toUs: Us;
}

/** One picture: its size and its content (SVG elements, ids made unique by the caller's prefix). */
export interface Picture {
  readonly width: number;
  readonly height: number;
  readonly body: string;
}

export interface ModelPictures {
  readonly model: string;
  readonly spacetime: Picture;
  readonly clients: Picture;
  /** Only for a history that is not linearizable. */
  readonly linearizability?: Picture;
}

export const WIDTH = 1200;
const LEFT = 86;
const RIGHT = 24;
const PLOT = WIDTH - LEFT - RIGHT;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const ROLE_COLORS: Readonly<Record<string, string>> = {
  leader: '#e0a100',
  primary: '#e0a100',
  candidate: '#e8710a',
  preCandidate: '#f6ae6b',
  follower: '#7f9cbf',
  replica: '#7f9cbf',
  crashed: '#3c4043',
  paused: '#bdc1c6',
};
export const OUTCOME_COLORS: Readonly<Record<string, string>> = { ok: '#1e8e3e', fail: '#d93025', info: '#f9ab00', pending: '#9aa0a6' };
const GROUP_FILLS = ['#4285f4', '#ea4335', '#34a853', '#a142f4', '#fa7b17'];
/** Message types, in name order; red is kept for what was lost. */
const MESSAGE_COLORS = ['#1a73e8', '#12b5cb', '#9334e6', '#188038', '#e8710a', '#e52592', '#795548', '#5f6368', '#00897b', '#3949ab', '#827717', '#8d6e63'];

/** The default window of the space-time diagram: one second from 200 ms before the first fault (the first second when none), within the run. */
export function defaultWindow(firstFaultUs: Us | null, endUs: Us): TimeWindow {
  const end = Math.max(1, endUs);
  const from = Math.min(firstFaultUs === null ? 0 : Math.max(0, firstFaultUs - 200_000), Math.max(0, end - 1_000_000));
  return { fromUs: from, toUs: Math.min(end, from + 1_000_000) };
}

export function modelPictures(result: RunResult, recordings: readonly Recording[], window?: TimeWindow): ModelPictures[] {
  const firsts = recordings.flatMap((r) => r.faults.filter((f) => !f.settle).map((f) => f.atUs));
  const win = window ?? defaultWindow(firsts.length === 0 ? null : Math.min(...firsts), Math.max(...recordings.map((r) => r.endUs)));
  const endUs = Math.max(1, ...recordings.map((r) => r.endUs));
  // One message palette for every model, so AppendEntries is the same colour in each.
  const types = [...new Set(recordings.flatMap((r) => r.messages.map((m) => m.message)))].sort();
  const palette = new Map(types.map((t, i) => [t, MESSAGE_COLORS[i % MESSAGE_COLORS.length]!]));
  const nodes = Math.max(...recordings.map((r) => r.nodes.length));
  const clients = Math.max(1, ...recordings.map((r) => Math.max(0, ...r.ops.map((o) => o.client))));
  return recordings.map((rec, i) => {
    const run = result.runs.find((r) => r.name === rec.model)!;
    const failure = run.linearizability.failure;
    return {
      model: rec.model,
      spacetime: spacetime(rec, win, palette, nodes, `m${i}st`),
      clients: clientTimeline(rec, run, endUs, clients, failure),
      ...(failure !== undefined ? { linearizability: linearizabilityPicture(rec.model, failure) } : {}),
    };
  });
}

/** The files `--svg DIR` writes: per model, then every model's stacked on the shared axis. */
export function svgFiles(pictures: readonly ModelPictures[]): { name: string; svg: string }[] {
  const files: { name: string; svg: string }[] = [];
  const names = uniqueSlugs(pictures.map((p) => p.model));
  pictures.forEach((p, i) => {
    files.push({ name: `${names[i]}-spacetime.svg`, svg: svgDocument(p.spacetime, `${p.model}: space-time diagram`) });
    files.push({ name: `${names[i]}-clients.svg`, svg: svgDocument(p.clients, `${p.model}: client timeline`) });
    if (p.linearizability !== undefined) files.push({ name: `${names[i]}-linearizability.svg`, svg: svgDocument(p.linearizability, `${p.model}: linearizability failure`) });
  });
  if (pictures.length > 1) {
    files.push({ name: 'all-spacetime.svg', svg: svgDocument(stack(pictures.map((p) => p.spacetime)), 'every model: space-time diagram') });
    files.push({ name: 'all-clients.svg', svg: svgDocument(stack(pictures.map((p) => p.clients)), 'every model: client timeline') });
  }
  return files;
}

/** File names from model names: letters, digits, `-`, `_`, `.`; made unique. */
function uniqueSlugs(models: readonly string[]): string[] {
  const seen = new Set<string>();
  return models.map((m) => {
    const base = m.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'model';
    let name = base;
    for (let k = 2; seen.has(name); k++) name = `${base}-${k}`;
    seen.add(name);
    return name;
  });
}

export function svgDocument(p: Picture, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" font-family="${FONT}" font-size="12">\n` +
    `<title>${xmlText(title)}</title>\n<rect width="${p.width}" height="${p.height}" fill="#ffffff"/>\n${p.body}</svg>\n`
  );
}

export function stack(pictures: readonly Picture[]): Picture {
  let y = 0;
  let body = '';
  for (const p of pictures) {
    body += `<g transform="translate(0 ${y})">\n${p.body}</g>\n`;
    y += p.height;
  }
  return { width: Math.max(...pictures.map((p) => p.width)), height: y, body };
}

// ---------------------------------------------------------------- shared pieces

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** x of time `t` on an axis from `t0` to `t1` over the plot's width. */
function axisX(t0: Us, t1: Us): (t: Us) => number {
  const span = Math.max(1, t1 - t0);
  return (t) => LEFT + ((t - t0) / span) * PLOT;
}

/** A time axis at `y`: ticks at a round step, labelled as the text report writes times. */
function timeAxis(t0: Us, t1: Us, y: number, gridTop: number): string {
  const x = axisX(t0, t1);
  const span = Math.max(1, t1 - t0);
  const raw = span / 10;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= raw)!;
  let out = `<line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT}" y2="${y}" stroke="#5f6368"/>\n`;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const xt = num(x(t));
    out += `<line x1="${xt}" y1="${gridTop}" x2="${xt}" y2="${y}" stroke="#e8eaed"/>`;
    out += `<line x1="${xt}" y1="${y}" x2="${xt}" y2="${y + 5}" stroke="#5f6368"/>`;
    out += `<text x="${xt}" y="${y + 18}" text-anchor="middle" fill="#3c4043">${xmlText(formatUs(Math.round(t)))}</text>\n`;
  }
  return out;
}

/** The network states that overlap [t0, t1), each with its end. */
function networkSpans(rec: Recording, t0: Us, t1: Us): { state: NetworkState; fromUs: Us; toUs: Us }[] {
  const out: { state: NetworkState; fromUs: Us; toUs: Us }[] = [];
  rec.networks.forEach((state, i) => {
    const end = i + 1 < rec.networks.length ? rec.networks[i + 1]!.atUs : rec.endUs;
    const from = Math.max(t0, state.atUs);
    const to = Math.min(t1, end);
    if (to > from) out.push({ state, fromUs: from, toUs: to });
  });
  return out;
}

/** Fault lines and their labels, staggered over `rows` lines so that neighbours do not overlap. */
function faultMarks(rec: Recording, t0: Us, t1: Us, top: number, bottom: number, labels: boolean): string {
  const x = axisX(t0, t1);
  let out = '';
  const rowEnds = [-Infinity, -Infinity, -Infinity];
  for (const f of rec.faults) {
    if (f.atUs < t0 || f.atUs > t1) continue;
    const xf = x(f.atUs);
    const colour = f.settle ? '#188038' : f.skipped ? '#9aa0a6' : '#c5221f';
    out += `<line x1="${num(xf)}" y1="${top}" x2="${num(xf)}" y2="${bottom}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="5 3"><title>${xmlText(`${formatUs(f.atUs)}  ${f.text}`)}</title></line>\n`;
    if (!labels) continue;
    const text = f.settle ? 'settle: every fault healed' : f.text;
    const w = Math.min(text.length, 60) * 6.6;
    let row = rowEnds.findIndex((end) => end < xf - 4);
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = xf + w;
    const anchor = xf + w > WIDTH - 4 ? 'end' : 'start';
    out += `<text x="${num(anchor === 'end' ? xf - 3 : xf + 3)}" y="${top - 4 - row * 14}" fill="${colour}" text-anchor="${anchor}">${xmlText(text.length > 60 ? text.slice(0, 59) + '…' : text)}</text>\n`;
  }
  return out;
}

function title(text: string, sub: string): string {
  return `<text x="${LEFT}" y="22" font-size="16" font-weight="bold" fill="#202124">${xmlText(text)}</text><text x="${WIDTH - RIGHT}" y="22" text-anchor="end" fill="#5f6368">${xmlText(sub)}</text>\n`;
}

function legendItems(items: readonly { colour: string; label: string; dashed?: boolean; box?: boolean }[], y: number): string {
  let out = '';
  let x = LEFT;
  for (const item of items) {
    out += item.box
      ? `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${item.colour}" rx="2"/>`
      : `<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${item.colour}" stroke-width="2.5"${item.dashed === true ? ' stroke-dasharray="4 3"' : ''}/>`;
    out += `<text x="${x + 20}" y="${y}" fill="#3c4043">${xmlText(item.label)}</text>`;
    x += 28 + item.label.length * 6.8;
  }
  return out + '\n';
}

// ---------------------------------------------------------------- space-time diagram

const LANE = 54;
const ST_TOP = 84;

function spacetime(rec: Recording, win: TimeWindow, palette: ReadonlyMap<string, string>, laneCount: number, id: string): Picture {
  const { fromUs: t0, toUs: t1 } = win;
  const x = axisX(t0, t1);
  const laneY = new Map(rec.nodes.map((n, i) => [n, ST_TOP + i * LANE + LANE / 2]));
  const bottom = ST_TOP + laneCount * LANE;
  let body = title(`${rec.model} (${rec.kind})`, `messages from ${formatUs(t0)} to ${formatUs(t1)}`);
  body += `<defs><clipPath id="${id}-clip"><rect x="${LEFT}" y="${ST_TOP - 6}" width="${PLOT}" height="${bottom - ST_TOP + 12}"/></clipPath>`;
  const markerColours = new Set<string>([...palette.values(), '#d93025', '#9aa0a6']);
  for (const c of markerColours) {
    body += `<marker id="${id}-a${c.slice(1)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="${c}"/></marker>`;
  }
  body += '</defs>\n';
  body += timeAxis(t0, t1, bottom + 4, ST_TOP - 6);

  // Partition groups: each lane's background tinted by its side while the network is split.
  let shading = '';
  for (const span of networkSpans(rec, t0, t1)) {
    const groups = span.state.groups;
    const w = x(span.toUs) - x(span.fromUs);
    if (groups.length > 1) {
      groups.forEach((group, g) => {
        for (const node of group) {
          const y = laneY.get(node);
          if (y === undefined) continue;
          shading += `<rect x="${num(x(span.fromUs))}" y="${y - LANE / 2 + 3}" width="${num(w)}" height="${LANE - 6}" fill="${GROUP_FILLS[g % GROUP_FILLS.length]}" fill-opacity="0.10"><title>${xmlText(`side ${String.fromCharCode(65 + g)}: ${group.join(' ')} (${formatUs(span.state.atUs)} on)`)}</title></rect>`;
          shading += `<text x="${num(x(span.fromUs) + 4)}" y="${y - LANE / 2 + 15}" fill="${GROUP_FILLS[g % GROUP_FILLS.length]}" font-weight="bold">${String.fromCharCode(65 + g)}</text>`;
        }
      });
      shading += '\n';
    }
    for (const cut of span.state.cuts) {
      const y = laneY.get(cut.to);
      if (y !== undefined) shading += `<text x="${num(x(span.fromUs) + 16)}" y="${y - LANE / 2 + 15}" fill="#c5221f">${xmlText(`deaf to ${cut.from}`)}</text>\n`;
    }
  }
  body += shading;

  // Lanes: the node's name, then its role as a coloured bar.
  for (const node of rec.nodes) {
    const y = laneY.get(node)!;
    body += `<text x="${LEFT - 12}" y="${y + 4}" text-anchor="end" font-weight="bold" fill="#202124">${xmlText(node)}</text>\n`;
    body += roleBars(rec, node, t0, t1, y, x);
  }

  body += faultMarks(rec, t0, t1, ST_TOP - 8, bottom, true);

  // Messages, clipped to the window.
  let arrows = '';
  let shown = 0;
  for (const m of rec.messages) {
    if (m.endUs < t0 || m.sentUs > t1) continue;
    const y1 = laneY.get(m.from)!;
    const y2 = laneY.get(m.to)!;
    const dropped = m.outcome === 'dropped';
    const colour = dropped ? '#d93025' : m.outcome === 'in-flight' ? '#9aa0a6' : palette.get(m.message)!;
    const x1 = x(m.sentUs);
    const x2 = x(m.endUs);
    // A message lost at send never left: a short stub with its ×.
    const lostAtSend = dropped && m.endUs === m.sentUs;
    const xe = lostAtSend ? x1 + 8 : x2;
    const ye = lostAtSend ? y1 + Math.sign(y2 - y1) * 12 : dropped ? y1 + (y2 - y1) * 0.85 : y2;
    const fate = m.outcome === 'delivered' ? `delivered ${formatUs(m.endUs)}` : m.outcome === 'dropped' ? `dropped ${formatUs(m.endUs)} (${m.reason})` : `still on the wire at the end (due ${formatUs(m.endUs)})`;
    const tip = `${m.message} ${m.from}→${m.to}, term ${m.term}${m.duplicate ? ', a duplicate' : ''}: sent ${formatUs(m.sentUs)}, ${fate}`;
    arrows += `<line x1="${num(x1)}" y1="${y1}" x2="${num(xe)}" y2="${num(ye)}" stroke="${colour}" stroke-width="1.2"${dropped || m.outcome === 'in-flight' ? ' stroke-dasharray="4 3"' : ''}${dropped ? '' : ` marker-end="url(#${id}-a${colour.slice(1)})"`}><title>${xmlText(tip)}</title></line>`;
    if (dropped) arrows += `<path d="M${num(xe - 4)} ${num(ye - 4)}L${num(xe + 4)} ${num(ye + 4)}M${num(xe - 4)} ${num(ye + 4)}L${num(xe + 4)} ${num(ye - 4)}" stroke="#d93025" stroke-width="2"/>`;
    arrows += '\n';
    shown++;
  }
  body += `<g clip-path="url(#${id}-clip)">\n${arrows}</g>\n`;

  const used = [...new Set(rec.messages.filter((m) => m.endUs >= t0 && m.sentUs <= t1).map((m) => m.message))].sort();
  const legendY = bottom + 46;
  body += legendItems(
    [
      ...used.map((t) => ({ colour: palette.get(t)!, label: t })),
      { colour: '#d93025', label: 'lost', dashed: true },
    ],
    legendY,
  );
  const roles = [...new Set(rec.roles.map((r) => r.role))].filter((r) => ROLE_COLORS[r] !== undefined);
  body += legendItems(roles.map((r) => ({ colour: ROLE_COLORS[r]!, label: r, box: true })), legendY + 20);
  body += `<text x="${WIDTH - RIGHT}" y="${legendY + 20}" text-anchor="end" fill="#5f6368">${shown} messages; shaded: partition sides</text>\n`;
  return { width: WIDTH, height: legendY + 34, body };
}

function roleBars(rec: Recording, node: string, t0: Us, t1: Us, y: number, x: (t: Us) => number): string {
  const spans: RoleSpan[] = rec.roles.filter((r) => r.node === node);
  let out = '';
  spans.forEach((span, k) => {
    const end = k + 1 < spans.length ? spans[k + 1]!.fromUs : rec.endUs;
    const from = Math.max(t0, span.fromUs);
    const to = Math.min(t1, end);
    if (to <= from) return;
    const colour = ROLE_COLORS[span.role] ?? '#dadce0';
    const label = span.role === 'crashed' || span.role === 'paused' ? span.role : `${span.role} ${rec.kind === 'raft' ? 'term' : 'epoch'} ${span.term}`;
    const w = x(to) - x(from);
    out += `<rect x="${num(x(from))}" y="${y - 4}" width="${num(Math.max(0.5, w))}" height="8" fill="${colour}"><title>${xmlText(`${node} ${label}: ${formatUs(span.fromUs)} to ${formatUs(end)}`)}</title></rect>`;
    if (w > 90 && (span.role === 'leader' || span.role === 'primary' || span.role === 'crashed')) {
      out += `<text x="${num(x(from) + 4)}" y="${y - 8}" fill="#3c4043" font-size="11">${xmlText(label)}</text>`;
    }
  });
  return out + '\n';
}

// ---------------------------------------------------------------- client timeline

const ROW = 22;
const CL_TOP = 70;

function clientTimeline(rec: Recording, run: ModelRun, endUs: Us, rowCount: number, failure: LinearizabilityFailure | undefined): Picture {
  const x = axisX(0, endUs);
  const ops = run.summary.ops;
  const sub = `ok ${ops.ok} · fail ${ops.fail} · info ${ops.info} · availability ${(run.summary.availability * 100).toFixed(1)}% · lost writes ${run.summary.lostWrites} · stale reads ${run.summary.staleReads}`;
  let body = title(`${rec.model} (${rec.kind}): clients`, sub);
  const bottom = CL_TOP + rowCount * ROW;
  body += timeAxis(0, endUs, bottom + 4, CL_TOP - 6);
  for (const span of networkSpans(rec, 0, endUs)) {
    if (span.state.groups.length < 2 && span.state.cuts.length === 0) continue;
    const what = span.state.groups.length > 1 ? `partition ${span.state.groups.map((g) => `[${g.join(' ')}]`).join(' ')}` : `one-way cuts ${span.state.cuts.map((c) => `${c.from}→${c.to}`).join(' ')}`;
    body += `<rect x="${num(x(span.fromUs))}" y="${CL_TOP - 6}" width="${num(x(span.toUs) - x(span.fromUs))}" height="${bottom - CL_TOP + 10}" fill="#ea4335" fill-opacity="0.07"><title>${xmlText(`${formatUs(span.fromUs)} to ${formatUs(span.toUs)}: ${what}`)}</title></rect>\n`;
  }
  // Who each client talks to: its first operation's node.
  const nodeOf = new Map<number, string>();
  for (const op of rec.ops) if (!nodeOf.has(op.client)) nodeOf.set(op.client, op.node);
  for (let c = 1; c <= rowCount; c++) {
    const y = CL_TOP + (c - 1) * ROW;
    const node = nodeOf.get(c);
    body += `<text x="${LEFT - 10}" y="${y + ROW / 2 + 4}" text-anchor="end" fill="#202124">${xmlText(node === undefined ? `c${c}` : `c${c} → ${node}`)}</text>`;
  }
  body += '\n';
  for (const op of rec.ops) {
    const y = CL_TOP + (op.client - 1) * ROW + 4;
    const end = op.completedUs ?? rec.endUs;
    const outcome = op.outcome ?? 'pending';
    const w = Math.max(1, x(end) - x(op.invokedUs));
    const value = op.f === 'read' ? (op.outcome === 'ok' ? ` → ${JSON.stringify(op.value)}` : '') : ` ${JSON.stringify(op.value)}`;
    const tip = `c${op.client} ${op.f} ${op.key}${value} via ${op.node}: ${outcome}${op.error !== undefined ? ` (${op.error})` : ''}, ${formatUs(op.invokedUs)} to ${op.completedUs === null ? 'the end' : formatUs(op.completedUs)}`;
    body += `<rect x="${num(x(op.invokedUs))}" y="${y}" width="${num(w)}" height="${ROW - 8}" fill="${OUTCOME_COLORS[outcome]}"><title>${xmlText(tip)}</title></rect>\n`;
  }
  body += faultMarks(rec, 0, endUs, CL_TOP - 6, bottom, false);
  if (failure !== undefined) {
    const all = [...failure.linearizedPrefix.slice(-3), ...failure.conflicting];
    const from = Math.min(...all.map((o) => o.callT));
    const to = Math.max(...all.map((o) => o.returnT ?? o.callT));
    const x1 = x(from) - 3;
    const w = Math.max(6, x(to) - x(from) + 6);
    body += `<rect x="${num(x1)}" y="${CL_TOP - 8}" width="${num(w)}" height="${bottom - CL_TOP + 12}" fill="none" stroke="#a50e0e" stroke-width="2"><title>${xmlText(`not linearizable: key ${failure.key}, ${formatUs(from)} to ${formatUs(to)}`)}</title></rect>`;
    body += `<text x="${num(Math.min(x1, WIDTH - RIGHT - 220))}" y="${CL_TOP - 12}" fill="#a50e0e" font-weight="bold">${xmlText(`not linearizable (key ${failure.key})`)}</text>\n`;
  }
  const legendY = bottom + 46;
  body += legendItems(
    [
      { colour: OUTCOME_COLORS['ok']!, label: 'ok', box: true },
      { colour: OUTCOME_COLORS['fail']!, label: 'fail (no effect)', box: true },
      { colour: OUTCOME_COLORS['info']!, label: 'info (unknown)', box: true },
      { colour: OUTCOME_COLORS['pending']!, label: 'no answer by the end', box: true },
      { colour: '#f9d5d2', label: 'network split', box: true },
      { colour: '#c5221f', label: 'fault', dashed: true },
    ],
    legendY,
  );
  return { width: WIDTH, height: legendY + 14, body };
}

// ---------------------------------------------------------------- linearizability failure

const TAGS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function linearizabilityPicture(model: string, failure: LinearizabilityFailure): Picture {
  // As the text report: the last three operations linearized, then those that cannot follow, in call order.
  const shown = [...failure.linearizedPrefix.slice(-3).map((op) => ({ op, conflicting: false })), ...failure.conflicting.map((op) => ({ op, conflicting: true }))]
    .sort((a, b) => a.op.callT - b.op.callT)
    .slice(0, TAGS.length)
    .map((s, i) => ({ ...s, tag: TAGS[i]! }));
  const t0 = Math.min(...shown.map((s) => s.op.callT));
  const last = Math.max(...shown.map((s) => s.op.returnT ?? s.op.callT));
  const t1 = last + Math.max(1, (last - t0) * 0.08);
  const x = axisX(t0, t1);
  const processes = [...new Set(shown.map((s) => s.op.process))].sort((a, b) => a - b);
  const placed = shown;
  // A row per process, another when its operations overlap on the picture.
  const rowOf: number[] = [];
  const ends: { process: number; end: number }[] = [];
  for (const p of processes) {
    for (const [i, s] of placed.entries()) {
      if (s.op.process !== p) continue;
      const start = x(s.op.callT);
      let r = ends.findIndex((e) => e.process === p && e.end < start);
      if (r < 0) {
        ends.push({ process: p, end: -1 });
        r = ends.length - 1;
      }
      ends[r]!.end = s.op.returnT === null ? Infinity : x(s.op.returnT) + 20;
      rowOf[i] = r;
    }
  }
  const top = 84;
  const rowH = 30;
  const bottom = top + ends.length * rowH;
  let body = title(`${model}: not linearizable`, `key ${failure.key}: ${failure.conflicting.length} operation(s) cannot follow a linearized prefix of ${failure.linearizedPrefix.length} (value then: ${failure.valueAfterPrefix === null ? 'nil' : String(failure.valueAfterPrefix)})`);
  body += timeAxis(t0, t1, bottom + 4, top - 6);
  ends.forEach((e, r) => {
    if (r === 0 || ends[r - 1]!.process !== e.process) body += `<text x="${LEFT - 10}" y="${top + r * rowH + rowH / 2 + 4}" text-anchor="end" font-weight="bold" fill="#202124">p${e.process}</text>`;
  });
  placed.forEach((s, i) => {
    const y = top + rowOf[i]! * rowH + 5;
    const x1 = x(s.op.callT);
    const unknown = s.op.returnT === null;
    const x2 = unknown ? LEFT + PLOT : Math.max(x1 + 18, x(s.op.returnT!));
    const fill = s.conflicting ? '#fce8e6' : '#e8f0fe';
    const stroke = s.conflicting ? '#a50e0e' : '#1a73e8';
    const tip = `${s.tag}  p${s.op.process} ${describeOp(s.op)}  ${s.op.callT}..${s.op.returnT ?? 'unknown'} µs: ${s.conflicting ? 'cannot be ordered' : 'linearized'}`;
    body += `<rect x="${num(x1)}" y="${y}" width="${num(x2 - x1)}" height="${rowH - 10}" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${unknown ? ' stroke-dasharray="5 3"' : ''}><title>${xmlText(tip)}</title></rect>`;
    body += `<text x="${num(x1 + 5)}" y="${y + 14}" font-weight="bold" fill="${stroke}">${s.tag}</text>`;
    body += `<text x="${num(x1 + 18)}" y="${y + 14}" fill="#202124">${xmlText(describeOp(s.op))}</text>\n`;
  });
  let y = bottom + 44;
  for (const s of placed) {
    body += `<text x="${LEFT}" y="${y}" fill="${s.conflicting ? '#a50e0e' : '#1a73e8'}" font-family="DejaVu Sans Mono, monospace" style="white-space:pre">${xmlText(`${s.tag}  p${s.op.process}  ${describeOp(s.op).padEnd(22)}  ${formatUs(s.op.callT)} .. ${s.op.returnT === null ? 'unknown' : formatUs(s.op.returnT)}  ${s.conflicting ? 'cannot be ordered' : 'linearized'}`)}</text>\n`;
    y += 16;
  }
  return { width: WIDTH, height: y + 6, body };
}
