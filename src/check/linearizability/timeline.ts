import type { Value } from '../../workload/history.ts';
import type { LinearizabilityFailure, LinearizabilityOp } from './types.ts';

export interface TimelineOptions {
  /** Columns of the time axis. Default 60. */
  readonly width?: number;
  /** How many of the last linearized operations to show before the conflicting ones. Default 3. */
  readonly context?: number;
  /** Label of the time unit on the axis (`us` for raftsim histories, `line` for Jepsen logs). Default `us`. */
  readonly timeUnit?: string;
}

const WIDTH_DEFAULT = 60;
/** Enough of the linearized prefix to show what the conflicting operations follow, without burying them. */
const CONTEXT_DEFAULT = 3;
/** Beyond 26 operations the tags wrap to lower case; beyond 52 the rest are summarised. */
const TAGS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function formatValue(v: Value): string {
  return v === null ? 'nil' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** A short description of an operation: `write 3`, `read -> 3`, `cas 3->0 mismatch`, `append "x" ?`. */
export function describeOp(op: LinearizabilityOp): string {
  const unknown = op.outcome === 'unknown' ? ' ?' : '';
  switch (op.f) {
    case 'read':
    case 'get':
      return `${op.f} -> ${formatValue(op.output as Value)}`;
    case 'cas': {
      const [oldValue, newValue] = op.value as readonly [Value, Value];
      const result = op.outcome === 'ok' ? ' ok' : op.outcome === 'mismatch' ? ' mismatch' : '';
      return `cas ${formatValue(oldValue)}->${formatValue(newValue)}${result}${unknown}`;
    }
    default:
      return `${op.f} ${formatValue(op.value as Value)}${unknown}`;
  }
}

interface Shown {
  readonly op: LinearizabilityOp;
  readonly tag: string;
  readonly conflicting: boolean;
}

/**
 * A short client timeline of a failure, for the text report: one row per
 * process, each operation a bar on a shared time axis (`[A====]` for the
 * operations that cannot be ordered, `[B----]` for the last few that were,
 * `...>` running off the right edge for an unknown outcome), then a legend.
 * Plain ASCII, a pure function of the failure.
 */
export function renderTimeline(failure: LinearizabilityFailure, opts: TimelineOptions = {}): string {
  const width = Math.max(20, opts.width ?? WIDTH_DEFAULT);
  const context = Math.max(0, opts.context ?? CONTEXT_DEFAULT);
  const unit = opts.timeUnit ?? 'us';

  const prefix = failure.linearizedPrefix;
  const contextOps = prefix.slice(Math.max(0, prefix.length - context));
  const all: { op: LinearizabilityOp; conflicting: boolean }[] = [
    ...contextOps.map((op) => ({ op, conflicting: false })),
    ...failure.conflicting.map((op) => ({ op, conflicting: true })),
  ].sort((x, y) => x.op.callT - y.op.callT);
  const shownList = all.slice(0, TAGS.length);
  const shown: Shown[] = shownList.map((s, i) => ({ ...s, tag: TAGS[i]! }));

  const lines: string[] = [];
  lines.push(
    `key ${JSON.stringify(failure.key)}: ${failure.conflicting.length} operation(s) cannot be ordered after a linearized prefix of ${prefix.length} (value then: ${formatValue(failure.valueAfterPrefix)})`,
  );
  if (shown.length === 0) return lines.join('\n') + '\n';

  let t0 = Infinity;
  let t1 = -Infinity;
  for (const { op } of shown) {
    t0 = Math.min(t0, op.callT);
    t1 = Math.max(t1, op.callT, op.returnT ?? -Infinity);
  }
  const span = t1 > t0 ? t1 - t0 : 1;
  const col = (t: number): number => Math.round(((t - t0) / span) * (width - 1));

  // Rows: one per process, with an extra row for a process whose shown operations overlap on screen.
  const processes = [...new Set(shown.map((s) => s.op.process))].sort((a, b) => a - b);
  const rows: { process: number; cells: string[]; end: number }[] = [];
  for (const p of processes) {
    const mine = shown.filter((s) => s.op.process === p);
    const myRows: { process: number; cells: string[]; end: number }[] = [];
    for (const s of mine) {
      const start = col(s.op.callT);
      const unknown = s.op.returnT === null;
      // At least three columns, so that a bar always shows as `[A]`.
      const end = unknown ? width - 1 : Math.min(width - 1, Math.max(start + 2, col(s.op.returnT!)));
      let row = myRows.find((r) => r.end < start);
      if (row === undefined) {
        row = { process: p, cells: new Array<string>(width).fill(' '), end: -1 };
        myRows.push(row);
      }
      const fill = s.conflicting ? '=' : '-';
      for (let c = start; c <= end && c < width; c++) row.cells[c] = fill;
      row.cells[start] = '[';
      if (start + 1 < end) row.cells[start + 1] = s.tag;
      else row.cells[start] = s.tag;
      row.cells[end] = unknown ? '>' : ']';
      row.end = unknown ? width : end;
    }
    rows.push(...myRows);
  }

  const labelWidth = Math.max(...rows.map((r) => `p${r.process}`.length)) + 2;
  const left = String(t0);
  const right = `${t1} ${unit}`;
  lines.push(' '.repeat(labelWidth + 1) + left + ' '.repeat(Math.max(1, width - left.length - right.length + 1)) + right);
  for (const r of rows) lines.push(`${`p${r.process}`.padEnd(labelWidth)}|${r.cells.join('').trimEnd()}`);
  lines.push('');
  const descriptions = shown.map((s) => describeOp(s.op));
  const descWidth = Math.max(...descriptions.map((d) => d.length));
  const whenWidth = Math.max(...shown.map((s) => `${s.op.callT}..${s.op.returnT ?? 'unknown'}`.length));
  shown.forEach((s, i) => {
    const when = `${s.op.callT}..${s.op.returnT ?? 'unknown'}`;
    const role = s.conflicting ? 'cannot be ordered' : 'linearized';
    lines.push(`  ${s.tag}  ${`p${s.op.process}`.padEnd(labelWidth)}${descriptions[i]!.padEnd(descWidth)}  ${when.padEnd(whenWidth)}  ${role}`);
  });
  if (all.length > shown.length) lines.push(`  ... and ${all.length - shown.length} more`);
  return lines.join('\n') + '\n';
}
