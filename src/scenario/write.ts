import { isSeq, parseDocument, YAMLSeq } from 'yaml';
import { US_PER_MS, US_PER_S, type Us } from '../core/time.ts';
import type { FaultSpec, Scenario } from './types.ts';

export interface WriteOptions {
  /** The seed the run used, when not the file's own (`--seed`): the written file carries it, so it replays alone. */
  readonly seed?: number;
}

/**
 * The scenario file `source` (the text `scenario` was loaded from) with the
 * faults `injected` added, as YAML text. Everything else in the file is
 * kept byte for byte: the new items are spliced into the text of its
 * `faults` list (one is added at the end when there is none), each marked
 * with a comment. Each injected fault goes after the last fault of the file
 * (or injected before it) whose time is not later than its own. Faults of
 * equal time apply in file order, so this puts it after every fault of its
 * instant that the run had scripted, which is where the run applied it:
 * loaded and run, the file gives the run's traceHash for every model.
 */
export function scenarioWithFaults(source: string, scenario: Scenario, injected: readonly FaultSpec[], options: WriteOptions = {}): string {
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const doc = parseDocument(source);
  // The validated scenario has one fault per item, in file order: their times, without parsing the items again.
  const times: Us[] = scenario.faults.map((f) => f.atUs);
  // Where each injected fault goes among the file's faults (and the injected ones before it).
  const order: (number | FaultSpec)[] = times.map((_, i) => i);
  for (const fault of injected) {
    let at = order.length;
    while (at > 0 && timeOf(order[at - 1]!, times) > fault.atUs) at--;
    order.splice(at, 0, fault);
  }
  // Each run of injected faults goes after the file's item before it (or at the top of the list).
  let fileItem = -1;
  let pending: FaultSpec[] = [];
  const groups: { after: number; faults: FaultSpec[] }[] = [];
  for (const entry of order) {
    if (typeof entry === 'number') {
      if (pending.length > 0) groups.push({ after: fileItem, faults: pending });
      pending = [];
      fileItem = entry;
    } else pending.push(entry);
  }
  if (pending.length > 0) groups.push({ after: fileItem, faults: pending });

  const edits: { readonly at: number; readonly remove: number; readonly text: string }[] = [];
  const faults = doc.get('faults', true);
  if (isSeq(faults) && !faults.flow && faults.items.length === times.length && faults.items.length > 0) {
    const items = faults.items as { range?: [number, number, number] | null }[];
    const first = items[0]!.range![0];
    const lineStart = source.lastIndexOf('\n', first - 1) + 1;
    const dash = source.lastIndexOf('-', first - 1);
    const indent = ' '.repeat(dash - lineStart);
    const contentIndent = ' '.repeat(first - lineStart);
    for (const group of groups) {
      const text = group.faults.map((f) => itemText(f, indent, contentIndent, eol)).join('');
      if (group.after < 0) {
        edits.push({ at: lineStart, remove: 0, text });
        continue;
      }
      const end = items[group.after]!.range![2];
      const atEol = end === 0 || source[end - 1] === '\n';
      edits.push({ at: end, remove: 0, text: atEol ? text : eol + text.slice(0, -eol.length) });
    }
  } else if (doc.get('faults', true) === undefined && injected.length > 0) {
    const sep = source.length === 0 || source.endsWith('\n') ? '' : eol;
    edits.push({ at: source.length, remove: 0, text: `${sep}faults:${eol}${injected.map((f) => itemText(f, '  ', '    ', eol)).join('')}` });
  } else if (injected.length > 0) {
    // `faults: []` or an empty `faults:`: the list is written anew (the rest of the file as the YAML library prints it).
    const seq = isSeq(faults) ? faults : new YAMLSeq();
    for (const fault of injected) seq.items.push(doc.createNode(faultItem(fault)));
    if (seq.flow) seq.flow = false;
    doc.set('faults', seq);
    return withSeed(doc.toString(), scenario, options, eol);
  }
  let out = source;
  for (const edit of [...edits].sort((a, b) => b.at - a.at)) out = out.slice(0, edit.at) + edit.text + out.slice(edit.at + edit.remove);
  return withSeed(out, scenario, options, eol);
}

function timeOf(entry: number | FaultSpec, times: readonly Us[]): Us {
  return typeof entry === 'number' ? times[entry]! : entry.atUs;
}

/** `text` with its top-level `seed` set to the run's seed when that is not the file's own. */
function withSeed(text: string, scenario: Scenario, options: WriteOptions, eol: string): string {
  if (options.seed === undefined || options.seed === scenario.seed) return text;
  const doc = parseDocument(text);
  const contents = doc.contents as { items?: { key: { value?: unknown; range?: number[] }; value: { range?: number[] } | null }[] } | null;
  const pairs = contents?.items ?? [];
  const seed = pairs.find((p) => p.key.value === 'seed');
  if (seed !== undefined && seed.value?.range !== undefined) {
    const [from, to] = seed.value.range;
    return text.slice(0, from) + String(options.seed) + text.slice(to);
  }
  // No seed in the file: a line of its own before the first key.
  const first = pairs[0]?.key.range?.[0] ?? 0;
  const lineStart = text.lastIndexOf('\n', first - 1) + 1;
  return text.slice(0, lineStart) + `seed: ${options.seed}${eol}` + text.slice(lineStart);
}

/** One fault as the lines of a list item, marked as injected. */
function itemText(fault: FaultSpec, indent: string, contentIndent: string, eol: string): string {
  const item = faultItem(fault);
  const [action, value] = Object.entries(item).find(([key]) => key !== 'at')!;
  return `${indent}# injected by hand${eol}${indent}- at: ${String(item['at'])}${eol}${contentIndent}${action}: ${inline(value)}${eol}`;
}

/** A value on one line in the style of the repository's scenarios: `[[n1], [rest]]`, `{ to: n3 }`. */
export function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${inline(v)}`).join(', ')} }`;
  if (typeof value === 'string') return /^(?:null|true|false|~)$/i.test(value) || !/^[A-Za-z0-9_.-]+$/.test(value) ? JSON.stringify(value) : value;
  return String(value);
}

/** A fault as a list item of the format (docs/scenario-format.md): `at` and its action. */
export function faultItem(fault: FaultSpec): Record<string, unknown> {
  const at = formatTime(fault.atUs);
  switch (fault.action) {
    case 'partition':
      return { at, partition: fault.groups.map((g) => [...g]) };
    case 'isolate':
      return { at, isolate: fault.target };
    case 'cut':
      return { at, cut: { from: fault.from, to: fault.to, ...(fault.both ? { both: true } : {}) } };
    case 'heal':
      return { at, heal: true };
    case 'crash':
      return { at, crash: fault.target };
    case 'restart':
      return { at, restart: fault.target };
    case 'pause':
      return { at, pause: fault.target };
    case 'resume':
      return { at, resume: fault.target };
    case 'transfer':
      return { at, transfer: { to: fault.to } };
    case 'add':
      return { at, add: fault.node };
    case 'remove':
      return { at, remove: fault.node };
    case 'network':
      return {
        at,
        network: {
          ...(fault.latencyUsMin !== undefined ? { latency: `${formatTime(fault.latencyUsMin)}..${formatTime(fault.latencyUsMax ?? fault.latencyUsMin)}` } : {}),
          ...(fault.drop !== undefined ? { drop: fault.drop } : {}),
          ...(fault.duplicate !== undefined ? { duplicate: fault.duplicate } : {}),
        },
      };
  }
}

/** A time exactly, in the largest unit that divides it: `2s`, `150ms`, `5000123us`. */
export function formatTime(us: Us): string {
  if (us % US_PER_S === 0) return `${us / US_PER_S}s`;
  if (us % US_PER_MS === 0) return `${us / US_PER_MS}ms`;
  return `${us}us`;
}
