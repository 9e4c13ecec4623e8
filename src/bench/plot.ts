import { cdfAt, quantile } from './stats.ts';

/**
 * Cumulative distributions, drawn for a terminal and as an SVG: the two
 * graphs of Figure 16 (percentage of trials with a leader elected, against
 * time since the crash).
 */

export interface Series {
  readonly label: string;
  /** The sample in milliseconds, ascending. */
  readonly sortedMs: ArrayLike<number>;
}

export interface Graph {
  readonly title: string;
  /** A logarithmic time axis (the top graph: the tails span three decades). */
  readonly log: boolean;
  readonly series: readonly Series[];
}

interface Axis {
  readonly minMs: number;
  readonly maxMs: number;
  readonly log: boolean;
  readonly ticksMs: readonly number[];
}

/** Marks for up to twelve lines in a terminal plot; the legend maps them back. */
const MARKS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22', '#000000', '#aec7e8'];

/**
 * A log axis spans every sample, from the decade below the smallest to the
 * decade above the largest. A linear axis ends at the largest 99th
 * percentile: a few stragglers would otherwise squeeze every curve into the
 * left quarter (the tables give the maxima).
 */
function axisFor(graph: Graph): Axis {
  let lo = Infinity;
  let hi = 0;
  for (const s of graph.series) {
    if (s.sortedMs.length === 0) continue;
    lo = Math.min(lo, s.sortedMs[0]!);
    hi = Math.max(hi, graph.log ? s.sortedMs[s.sortedMs.length - 1]! : quantile(s.sortedMs, 0.99));
  }
  if (!Number.isFinite(lo)) {
    lo = 1;
    hi = 10;
  }
  if (graph.log) {
    const minMs = 10 ** Math.floor(Math.log10(Math.max(lo, 0.001)));
    const maxMs = 10 ** Math.max(Math.ceil(Math.log10(Math.max(hi, lo))), Math.log10(minMs) + 1);
    const ticksMs: number[] = [];
    for (let t = minMs; t <= maxMs * 1.0001; t *= 10) ticksMs.push(t);
    return { minMs, maxMs, log: true, ticksMs };
  }
  const step = niceStep(hi / 6);
  const maxMs = Math.max(step, Math.ceil(hi / step) * step);
  const ticksMs: number[] = [];
  for (let t = 0; t <= maxMs + step / 2; t += step) ticksMs.push(t);
  return { minMs: 0, maxMs, log: false, ticksMs };
}

function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** Position in [0, 1] of `ms` along the axis. */
function along(axis: Axis, ms: number): number {
  if (axis.log) return (Math.log10(Math.max(ms, axis.minMs)) - Math.log10(axis.minMs)) / (Math.log10(axis.maxMs) - Math.log10(axis.minMs));
  return (ms - axis.minMs) / (axis.maxMs - axis.minMs);
}

/** The time at position `f` in [0, 1] along the axis. */
function at(axis: Axis, f: number): number {
  if (axis.log) return 10 ** (Math.log10(axis.minMs) + f * (Math.log10(axis.maxMs) - Math.log10(axis.minMs)));
  return axis.minMs + f * (axis.maxMs - axis.minMs);
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))}s`;
  return `${Number(ms.toPrecision(3))}ms`;
}

/**
 * A cumulative distribution plot in plain text: one mark per line (legend
 * below), the percentage of trials that had a leader on the vertical axis.
 */
export function terminalPlot(graph: Graph, width = 64, height = 13): string {
  const axis = axisFor(graph);
  const grid: string[][] = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  graph.series.forEach((s, k) => {
    const mark = MARKS[k % MARKS.length]!;
    let previous = -1;
    for (let col = 0; col < width; col++) {
      const x = at(axis, (col + 0.5) / width);
      const row = Math.round(cdfAt(s.sortedMs, x) * (height - 1));
      // Fill the vertical run since the previous column, so each curve reads as one line.
      const from = previous < 0 ? row : Math.min(previous, row);
      const to = previous < 0 ? row : Math.max(previous, row);
      // Row 0 (no trial done yet) is left blank: every curve starts there and would hide the others.
      for (let r = Math.max(1, from); r <= to; r++) grid[height - 1 - r]![col] = mark;
      previous = row;
    }
  });
  const lines: string[] = [graph.title];
  for (let r = 0; r < height; r++) {
    const fraction = (height - 1 - r) / (height - 1);
    // Label the rows that fall on a quarter exactly (all of them when height - 1 is a multiple of 4).
    const percent = fraction * 100;
    const label = Math.abs(percent - Math.round(percent / 25) * 25) < 1e-9 ? `${Math.round(percent)}%` : '';
    lines.push(`${label.padStart(5)} |${grid[r]!.join('')}`);
  }
  lines.push(`${''.padStart(5)} +${'-'.repeat(width)}`);
  const ticks = new Array<string>(width + 8).fill(' ');
  for (const t of axis.ticksMs) {
    const text = formatMs(t);
    const col = Math.min(width + 7 - text.length, Math.max(0, 7 + Math.round(along(axis, t) * (width - 1)) - Math.floor(text.length / 2)));
    for (let i = 0; i < text.length; i++) ticks[col + i] = text[i]!;
  }
  lines.push(ticks.join('').trimEnd());
  lines.push(`${''.padStart(7)}time without a leader${axis.log ? ' (log scale)' : ' (the axis ends at the largest 99th percentile)'}`);
  lines.push(graph.series.map((s, k) => `${MARKS[k % MARKS.length]} ${s.label}`).join('   '));
  return lines.join('\n') + '\n';
}

/** Both graphs, stacked, as one SVG document. */
export function svgPlot(graphs: readonly Graph[]): string {
  const panelW = 760;
  const panelH = 340;
  const margin = { left: 64, right: 170, top: 36, bottom: 48 };
  const plotW = panelW - margin.left - margin.right;
  const plotH = panelH - margin.top - margin.bottom;
  const parts: string[] = [];
  graphs.forEach((graph, g) => {
    const axis = axisFor(graph);
    const y0 = g * panelH;
    const px = (ms: number) => margin.left + along(axis, ms) * plotW;
    const py = (f: number) => y0 + margin.top + (1 - f) * plotH;
    parts.push(`<text x="${margin.left}" y="${y0 + 22}" font-size="15" font-weight="bold">${escape(graph.title)}</text>`);
    for (let p = 0; p <= 100; p += 20) {
      parts.push(`<line x1="${margin.left}" y1="${py(p / 100).toFixed(1)}" x2="${margin.left + plotW}" y2="${py(p / 100).toFixed(1)}" stroke="#ddd"/>`);
      parts.push(`<text x="${margin.left - 8}" y="${(py(p / 100) + 4).toFixed(1)}" font-size="12" text-anchor="end">${p}%</text>`);
    }
    for (const t of axis.ticksMs) {
      const x = px(t).toFixed(1);
      parts.push(`<line x1="${x}" y1="${py(0).toFixed(1)}" x2="${x}" y2="${py(1).toFixed(1)}" stroke="#eee"/>`);
      parts.push(`<text x="${x}" y="${(py(0) + 18).toFixed(1)}" font-size="12" text-anchor="middle">${escape(formatMs(t))}</text>`);
    }
    parts.push(`<rect x="${margin.left}" y="${py(1)}" width="${plotW}" height="${plotH}" fill="none" stroke="#000"/>`);
    parts.push(
      `<text x="${margin.left + plotW / 2}" y="${(py(0) + 38).toFixed(1)}" font-size="13" text-anchor="middle">time without a leader${axis.log ? ' (log scale)' : ' (the axis ends at the largest 99th percentile)'}</text>`,
    );
    parts.push(
      `<text transform="translate(16 ${(y0 + margin.top + plotH / 2).toFixed(1)}) rotate(-90)" font-size="13" text-anchor="middle">cumulative percent</text>`,
    );
    graph.series.forEach((s, k) => {
      const colour = COLOURS[k % COLOURS.length]!;
      const n = s.sortedMs.length;
      if (n > 0) {
        // A step function: at each measured value the curve rises by 1/n.
        const points: string[] = [`${px(axis.minMs).toFixed(1)},${py(0).toFixed(1)}`];
        for (let i = 0; i < n; i++) {
          const x = px(Math.min(axis.maxMs, Math.max(axis.minMs, s.sortedMs[i]!))).toFixed(1);
          points.push(`${x},${py(i / n).toFixed(1)}`, `${x},${py((i + 1) / n).toFixed(1)}`);
        }
        points.push(`${(margin.left + plotW).toFixed(1)},${py(cdfAt(s.sortedMs, axis.maxMs)).toFixed(1)}`);
        parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.6" points="${points.join(' ')}"/>`);
      }
      const ly = y0 + margin.top + 12 + k * 20;
      parts.push(`<line x1="${margin.left + plotW + 14}" y1="${ly - 4}" x2="${margin.left + plotW + 40}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
      parts.push(`<text x="${margin.left + plotW + 46}" y="${ly}" font-size="12">${escape(s.label)}</text>`);
    });
  });
  const height = graphs.length * panelH;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${panelW}" height="${height}" viewBox="0 0 ${panelW} ${height}" font-family="sans-serif">\n` +
    `<rect width="${panelW}" height="${height}" fill="#fff"/>\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
