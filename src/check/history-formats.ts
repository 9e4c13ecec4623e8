import { InputError } from '../core/errors.ts';
import type { HistoryEvent, OpFunction, OpType, Value } from '../workload/history.ts';
import { guessModel, HistoryShapeError, pairOperations } from './linearizability/operations.ts';
import type { ModelName } from './linearizability/types.ts';

/**
 * Readers for the histories `raftsim check-history` accepts:
 *
 * - `jsonl`: raftsim's own history (docs/history-format.md), one JSON event per line, `t` in µs.
 *   A `model` field (which `raftsim run --history` writes) splits the file
 *   into one history per simulated model, each checked on its own. A field
 *   other than t, process, type, f, key, value, error and model is an error
 *   (a misspelt "modle" or "eror" would change the verdict silently).
 * - `jepsen-log`: Jepsen's etcd log (one `INFO  jepsen.util - <process> :<type> :<f> <value>`
 *   line per event; lines that are not a client's op, such as the nemesis's
 *   or other loggers', are skipped, but a `jepsen.util -` line with an op type
 *   after a process that is not a number nor a keyword is an error). One
 *   register, key "". `:fail :cas [old new]` means the compare found another
 *   value (a mismatch); `:fail :read :timed-out` took no effect; `:info` is unknown.
 * - `jepsen-edn`: one EDN map per line, `{:process 0, :type :invoke, :f :append, :key "0", :value "x"}`.
 *   `:f` may be get/put/append (key-value model) or read/write/cas (register);
 *   a missing `:key` is "". Maps whose `:process` is not an integer (the nemesis) are ignored.
 *   As in the etcd log, a `:fail :cas` without an `:error` is a mismatch.
 *   Without `:key`, a `:value [k v]` (a cas's `[k [old new]]`) names the key as
 *   `jepsen.independent` does (what `raftsim run --history-format edn` writes).
 *   When every op has a `:time` (nanoseconds), `t` is that time in µs; a
 *   `:model` string splits the file into one history per model, as in jsonl.
 *
 * In both Jepsen formats the line order is the time order, and an event's `t`
 * is its line number (EDN with `:time` on every op: that time).
 *
 * Every problem is an InputError located at the 1-based line (and column,
 * where one makes sense) with what was expected. A file with no events at all
 * (Porcupine's etcd_095.log is empty) is not an error: it parses to an empty
 * history, which the checker reports as linearizable with a note.
 */

export type HistoryFormat = 'jsonl' | 'jepsen-log' | 'jepsen-edn';

export const HISTORY_FORMATS: readonly HistoryFormat[] = ['jsonl', 'jepsen-log', 'jepsen-edn'];

/** One client history of a file. */
export interface HistoryGroup {
  /** The lines' `model` field (the simulated system: raft, async-failover, ...), or null when they have none. */
  readonly name: string | null;
  readonly events: HistoryEvent[];
  /** The 1-based line of each event. */
  readonly lines: number[];
}

export interface ParsedHistory {
  readonly format: HistoryFormat;
  /** The sequential specification the operations belong to. */
  readonly model: ModelName;
  /** Every event of the file, in file order. */
  readonly events: HistoryEvent[];
  /** The 1-based line of each event. */
  readonly lines: number[];
  /**
   * The histories to check, each on its own: one per value of the lines'
   * `model` field (`raftsim run --history` writes one history per simulated
   * model, one after another), or a single one named null.
   */
  readonly histories: readonly HistoryGroup[];
  /** What `t` counts: microseconds (jsonl) or line numbers (the Jepsen formats). */
  readonly timeUnit: 'us' | 'line';
}

const OP_TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];
const OP_FUNCTIONS: readonly OpFunction[] = ['read', 'write', 'cas', 'get', 'put', 'append'];

const JEPSEN_LOG_LINE = /^(.*?jepsen\.util\s+-\s+)(\d+)(\s+)(.*)$/;
/**
 * A `jepsen.util -` line that is not a client event: its first word is not a
 * whole number. It is another process's op (`:nemesis :info :start nil`) or
 * other text, and skipped, unless its second word is an op type: then it is
 * an op line whose process is malformed (`x :invoke :read nil`).
 */
const JEPSEN_LOG_OTHER = /^(.*?jepsen\.util\s+-\s+)(\S*)(\s+(:(?:invoke|ok|fail|info))(?=\s|$))?/;
/** A whole event line: prefix, process, then (space, type, space, f, space, value). */
const JEPSEN_LOG_EVENT = /^(.*?jepsen\.util\s+-\s+)(\d+)(\s+)(\S+)(\s+)(\S+)(\s+)(.*?)\s*$/;

export function parseHistory(text: string, file: string, format?: HistoryFormat): ParsedHistory {
  const lines = text.split(/\r?\n/);
  const chosen = format ?? guessFormat(lines, file);
  const parsed =
    chosen === 'jsonl'
      ? parseJsonLines(lines, file)
      : chosen === 'jepsen-log'
        ? parseJepsenLog(lines, file)
        : parseJepsenEdn(lines, file);
  const model = guessModel(parsed.events);
  const byName = new Map<string | null, HistoryGroup>();
  /** Per group: the index in `parsed.events` of each of its events. */
  const indices = new Map<HistoryGroup, number[]>();
  parsed.events.forEach((event, i) => {
    const name = parsed.groups?.[i] ?? null;
    let group = byName.get(name);
    if (group === undefined) {
      group = { name, events: [], lines: [] };
      byName.set(name, group);
      indices.set(group, []);
    }
    group.events.push(event);
    group.lines.push(parsed.lines[i]!);
    indices.get(group)!.push(i);
  });
  const histories = [...byName.values()];
  for (const group of histories) {
    try {
      pairOperations(group.events, model, (i) => `line ${group.lines[i]}`);
    } catch (error) {
      if (error instanceof HistoryShapeError) {
        const at = indices.get(group)![error.eventIndex]!;
        throw InputError.at(file, parsed.lines[at]!, parsed.cols[at]![error.field], `${error.message}; expected ${error.expected}`);
      }
      throw error;
    }
  }
  return { format: chosen, model, events: parsed.events, lines: parsed.lines, histories, timeUnit: parsed.timeUnit };
}

/**
 * Guesses the format from the first non-blank line: `{"` is JSON lines, `{:`
 * is EDN, and a file with a `jepsen.util -` line is a Jepsen log. An empty
 * file has no events in any format; it is named after its extension (`.log`
 * a Jepsen log, `.edn` EDN, anything else JSON lines).
 */
export function guessFormat(lines: readonly string[], file: string): HistoryFormat {
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) {
    // Nothing to go on but the name; the history is empty whatever its format.
    if (file.endsWith('.log')) return 'jepsen-log';
    if (file.endsWith('.edn')) return 'jepsen-edn';
    return 'jsonl';
  }
  const line = lines[first]!;
  const m = /^\s*\{\s*(.)/.exec(line);
  if (m !== null) {
    if (m[1] === ':') return 'jepsen-edn';
    return 'jsonl';
  }
  if (lines.some((l) => /jepsen\.util\s+-\s+/.test(l))) return 'jepsen-log';
  throw InputError.at(
    file,
    first + 1,
    line.search(/\S/) + 1,
    'cannot tell the history format: expected a JSON-lines event ({"t": ...}), a Jepsen log line (INFO  jepsen.util - ...) or an EDN map ({:process ...}); give --format',
  );
}

/** The 1-based columns of an event's fields on its line, to point at the one a pairing error is about. */
interface EventCols {
  readonly type: number;
  readonly f: number;
  readonly key: number;
  readonly value: number;
}

interface Events {
  readonly events: HistoryEvent[];
  readonly lines: number[];
  readonly cols: EventCols[];
  /** The history each event belongs to (JSON lines with a `model` field). */
  readonly groups?: (string | null)[];
  readonly timeUnit: 'us' | 'line';
}

// ---------------------------------------------------------------- JSON lines

function columnOfField(line: string, name: string): number {
  const m = new RegExp(`"${name}"\\s*:\\s*`).exec(line);
  return m === null ? 1 : m.index + m[0].length + 1;
}

/** The 1-based column of the key `name` itself (its opening quote); 1 when it cannot be found. */
function columnOfKey(line: string, name: string): number {
  const quoted = JSON.stringify(name);
  for (let from = 0; ; ) {
    const at = line.indexOf(quoted, from);
    if (at < 0) return 1;
    if (/^\s*:/.test(line.slice(at + quoted.length))) return at + 1;
    from = at + 1;
  }
}

/** The fields of a JSON-lines event (docs/history-format.md), in the order raftsim writes them. */
export const JSONL_FIELDS: readonly string[] = ['model', 't', 'process', 'type', 'f', 'key', 'value', 'error'];

const JSONL_EXPECTED = `one JSON object per line with the fields ${JSONL_FIELDS.join(', ')}, like {"t":0,"process":1,"type":"invoke","f":"write","key":"k1","value":1} (docs/history-format.md)`;

/** The known field a misspelt one is most likely meant to be: the nearest by edit distance, if at most 2 edits away (1 for a name under 5 letters). */
function nearestField(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length >= 5 ? 3 : 2;
  for (const known of JSONL_FIELDS) {
    const d = editDistance(name.toLowerCase(), known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Where JSON.parse gave up on `text` (0-based), for the column of an error
 * message: the engine's own message does not always say. A plain
 * recursive-descent scan of JSON's grammar; only run on text that failed to parse.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const string = (): void => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail();
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
      }
      i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
    if (m === null) fail();
    i += m![0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value();
    space();
    return i < text.length ? i : 0;
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
}

function isValue(v: unknown): v is Value {
  return v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function parseJsonLines(lines: readonly string[], file: string): Events {
  const events: HistoryEvent[] = [];
  const eventLines: number[] = [];
  const cols: EventCols[] = [];
  const groups: (string | null)[] = [];
  // Time order holds within each history; a file may hold several, one after another.
  const lastT = new Map<string | null, number>();
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      // Our own scan of JSON's grammar, not the engine's message: its wording and its position vary between Node versions.
      const offset = jsonErrorOffset(line);
      const found = offset >= line.length ? 'the line ends before the JSON value does' : `unexpected ${JSON.stringify(line[offset])}`;
      throw InputError.at(file, lineNo, offset + 1, `invalid JSON: ${found}; expected ${JSONL_EXPECTED}`);
    }
    const start = line.search(/\S/) + 1;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw InputError.at(file, lineNo, start, `not a JSON object; expected ${JSONL_EXPECTED}`);
    }
    const o = raw as Record<string, unknown>;
    for (const name of Object.keys(o)) {
      if (JSONL_FIELDS.includes(name)) continue;
      const near = nearestField(name);
      throw InputError.at(
        file,
        lineNo,
        columnOfKey(line, name),
        `unknown field ${JSON.stringify(name)}${near !== undefined ? ` (did you mean "${near}"?)` : ''}; expected only the fields ${JSONL_FIELDS.join(', ')}`,
      );
    }
    const fail = (name: string, expected: string): never => {
      const got = name in o ? JSON.stringify(o[name]) : 'nothing';
      throw InputError.at(file, lineNo, name in o ? columnOfField(line, name) : start, `"${name}": expected ${expected}, got ${got}`);
    };
    const t = o['t'];
    if (typeof t !== 'number' || !Number.isFinite(t)) return fail('t', 'a number of microseconds');
    const name = o['model'];
    if (name !== undefined && typeof name !== 'string') return fail('model', 'a string (the simulated model the event belongs to)');
    const group = name ?? null;
    const previous = lastT.get(group) ?? -Infinity;
    if (t < previous) {
      throw InputError.at(file, lineNo, columnOfField(line, 't'), `"t": ${t} is before the previous event's ${previous} (events must be in time order)`);
    }
    lastT.set(group, t);
    const process = o['process'];
    if (typeof process !== 'number' || !Number.isInteger(process)) return fail('process', 'an integer');
    const type = o['type'];
    if (typeof type !== 'string' || !OP_TYPES.includes(type as OpType)) return fail('type', OP_TYPES.join(' | '));
    const f = o['f'];
    if (typeof f !== 'string' || !OP_FUNCTIONS.includes(f as OpFunction)) return fail('f', OP_FUNCTIONS.join(' | '));
    const key = o['key'];
    if (typeof key !== 'string') return fail('key', 'a string');
    const value = o['value'];
    let eventValue: HistoryEvent['value'];
    if (f === 'cas' && type !== 'info') {
      if (!Array.isArray(value) || value.length !== 2 || !isValue(value[0]) || !isValue(value[1])) {
        return fail('value', 'a cas pair [old, new]');
      }
      eventValue = [value[0], value[1]];
    } else if (f === 'cas') {
      // An info may carry anything; the checker uses the invoke's value.
      eventValue = Array.isArray(value) && value.length === 2 && isValue(value[0]) && isValue(value[1]) ? [value[0], value[1]] : null;
    } else {
      if (!isValue(value)) return fail('value', 'null, a number or a string');
      eventValue = value;
    }
    const error = o['error'];
    if (error !== undefined && typeof error !== 'string') return fail('error', 'a string');
    events.push({
      t,
      process,
      type: type as OpType,
      f: f as OpFunction,
      key,
      value: eventValue,
      ...(error !== undefined ? { error } : {}),
    });
    eventLines.push(lineNo);
    cols.push({ type: columnOfField(line, 'type'), f: columnOfField(line, 'f'), key: columnOfField(line, 'key'), value: columnOfField(line, 'value') });
    groups.push(group);
  });
  return { events, lines: eventLines, cols, groups, timeUnit: 'us' };
}

// ---------------------------------------------------------------- Jepsen etcd log

type LogValue = { readonly kind: 'value'; readonly value: Value | readonly [Value, Value] } | { readonly kind: 'keyword'; readonly name: string };

function parseLogValue(text: string): LogValue | null {
  if (text === 'nil') return { kind: 'value', value: null };
  if (/^-?\d+$/.test(text)) return { kind: 'value', value: Number(text) };
  const pair = /^\[\s*(nil|-?\d+)\s+(nil|-?\d+)\s*\]$/.exec(text);
  if (pair !== null) {
    const v = (s: string): Value => (s === 'nil' ? null : Number(s));
    return { kind: 'value', value: [v(pair[1]!), v(pair[2]!)] };
  }
  const kw = /^:([A-Za-z][\w.*+!?<>=/-]*)$/.exec(text);
  if (kw !== null) return { kind: 'keyword', name: kw[1]! };
  return null;
}

function parseJepsenLog(lines: readonly string[], file: string): Events {
  const events: HistoryEvent[] = [];
  const eventLines: number[] = [];
  const openValue = new Map<number, HistoryEvent['value']>();
  const cols: EventCols[] = [];
  /** The first line with anything on it (0: none). */
  let firstContent = 0;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() !== '' && firstContent === 0) firstContent = lineNo;
    // One regular expression for a whole well-formed line; the slower, located path only for the others.
    const m = JEPSEN_LOG_EVENT.exec(line) ?? JEPSEN_LOG_LINE.exec(line);
    if (m === null) {
      const other = JEPSEN_LOG_OTHER.exec(line);
      if (other === null) return; // start-up lines, other loggers, stack traces: not client events
      const [, prefix, first, opType] = other;
      const col = prefix!.length + 1;
      if (/^\d+$/.test(first!)) {
        throw InputError.at(file, lineNo, col + first!.length, 'the line ends after the process number; expected ":<type> :<f> <value>" after it');
      }
      if (first!.startsWith(':')) return; // :nemesis and other non-client processes
      if (opType === undefined) return; // other text logged by jepsen.util
      throw InputError.at(
        file,
        lineNo,
        col,
        `${first === '' ? 'no process' : `process ${JSON.stringify(first)}`} in an op line; expected a process number (a whole number, or a keyword such as :nemesis for a process that is not a client)`,
      );
    }
    const process = Number(m[2]);
    const restCol = m[1]!.length + m[2]!.length + m[3]!.length + 1;
    const parts = m.length > 5 ? m.slice(3) : /^(\S+)(\s+)(\S+)(\s+)(.*?)\s*$/.exec(m[4]!);
    if (parts === null) {
      throw InputError.at(file, lineNo, restCol, 'expected ":<type> :<f> <value>" after the process number');
    }
    const typeText = parts[1]!;
    const fCol = restCol + typeText.length + parts[2]!.length;
    const fText = parts[3]!;
    const valueCol = fCol + fText.length + parts[4]!.length;
    const valueText = parts[5]!;
    const type = typeText.slice(1) as OpType;
    if (!typeText.startsWith(':') || !OP_TYPES.includes(type)) {
      throw InputError.at(file, lineNo, restCol, `expected :invoke, :ok, :fail or :info, got ${typeText}`);
    }
    const f = fText.slice(1) as OpFunction;
    if (!fText.startsWith(':') || !(f === 'read' || f === 'write' || f === 'cas')) {
      throw InputError.at(file, lineNo, fCol, `expected :read, :write or :cas, got ${fText}`);
    }
    const parsed = parseLogValue(valueText);
    const bad = (expected: string): never => {
      throw InputError.at(file, lineNo, valueCol, `expected ${expected} for :${type} :${f}, got ${valueText === '' ? 'nothing' : valueText}`);
    };
    if (parsed === null) return bad('nil, an integer, [old new] or a keyword');
    const isPair = parsed.kind === 'value' && Array.isArray(parsed.value);
    const isScalar = parsed.kind === 'value' && !Array.isArray(parsed.value);
    let value: HistoryEvent['value'] = parsed.kind === 'value' ? parsed.value : null;
    let error: string | undefined;
    if (type === 'invoke') {
      if (f === 'read' && !(isScalar && parsed.kind === 'value' && parsed.value === null)) bad('nil');
      if (f === 'write' && !(isScalar && parsed.kind === 'value' && parsed.value !== null)) bad('an integer');
      if (f === 'cas' && !isPair) bad('[old new]');
      openValue.set(process, value);
    } else {
      if (type === 'ok') {
        if (f === 'read' && !isScalar) bad('nil or an integer');
        if (f === 'write' && !(isScalar && value !== null)) bad('an integer');
        if (f === 'cas' && !isPair) bad('[old new]');
      } else if (type === 'fail') {
        if (parsed.kind === 'keyword') error = parsed.name;
        else if (f === 'cas' && isPair) error = 'mismatch';
        else bad(f === 'cas' ? '[old new] or a keyword' : 'a keyword');
      }
      // A keyword (:timed-out) names no value: use the invoke's, so the event stays self-describing.
      if (parsed.kind === 'keyword' || type === 'info') value = f === 'read' ? null : (openValue.get(process) ?? null);
      openValue.delete(process);
    }
    events.push({ t: lineNo, process, type, f, key: '', value, ...(error !== undefined ? { error } : {}) });
    eventLines.push(lineNo);
    cols.push({ type: restCol, f: fCol, key: restCol, value: valueCol });
  });
  if (firstContent > 0 && events.length === 0) {
    const line = lines[firstContent - 1]!;
    throw InputError.at(file, firstContent, line.search(/\S/) + 1, 'no Jepsen history lines found; expected lines like "INFO  jepsen.util - <process> :<type> :<f> <value>"');
  }
  return { events, lines: eventLines, cols, timeUnit: 'line' };
}

// ---------------------------------------------------------------- Jepsen EDN

interface EdnKeyword {
  readonly keyword: string;
}
type EdnValue = null | boolean | number | string | EdnKeyword | EdnValue[] | Map<string, EdnNode>;
interface EdnNode {
  readonly value: EdnValue;
  /** 0-based column where the form starts. */
  readonly col: number;
}

class EdnReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lineNo: number,
  ) {}

  fail(col: number, message: string): never {
    throw InputError.at(this.file, this.lineNo, col + 1, message);
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === ' ' || c === ',' || c === '\t' || c === '\r') this.pos++;
      else if (c === ';') this.pos = t.length; // a comment runs to the end of the line
      else break;
    }
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  column(): number {
    return this.pos;
  }

  read(): EdnNode {
    this.skipSpace();
    const t = this.text;
    const col = this.pos;
    if (this.pos >= t.length) this.fail(col, 'expected an EDN value, got the end of the line');
    const c = t[this.pos]!;
    if (c === '{') {
      this.pos++;
      const map = new Map<string, EdnNode>();
      for (;;) {
        this.skipSpace();
        if (t[this.pos] === '}') {
          this.pos++;
          return { value: map, col };
        }
        if (this.pos >= t.length) this.fail(this.pos, 'expected "}" to close the map begun at column ' + (col + 1));
        const k = this.read();
        if (k.value === null || typeof k.value !== 'object' || !('keyword' in k.value)) {
          this.fail(k.col, 'expected a keyword as a map key (like :process)');
        }
        this.skipSpace();
        if (t[this.pos] === '}' || this.pos >= t.length) this.fail(this.pos, `expected a value for :${k.value.keyword}`);
        map.set(k.value.keyword, this.read());
      }
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      this.pos++;
      const items: EdnValue[] = [];
      for (;;) {
        this.skipSpace();
        if (t[this.pos] === close) {
          this.pos++;
          return { value: items, col };
        }
        if (this.pos >= t.length) this.fail(this.pos, `expected "${close}" to close the list begun at column ${col + 1}`);
        items.push(this.read().value);
      }
    }
    if (c === '"') {
      let out = '';
      this.pos++;
      for (;;) {
        if (this.pos >= t.length) this.fail(col, 'unterminated string');
        const d = t[this.pos++]!;
        if (d === '"') return { value: out, col };
        if (d === '\\') {
          const e = t[this.pos++];
          if (e === 'n') out += '\n';
          else if (e === 't') out += '\t';
          else if (e === 'r') out += '\r';
          else if (e === '"' || e === '\\') out += e;
          else this.fail(this.pos - 2, `unknown string escape \\${e ?? ''}`);
        } else {
          out += d;
        }
      }
    }
    const m = /^[^\s,{}[\]()"]+/.exec(t.slice(this.pos));
    if (m === null) this.fail(col, `unexpected "${c}"`);
    const token = m[0];
    this.pos += token.length;
    if (token === 'nil') return { value: null, col };
    if (token === 'true' || token === 'false') return { value: token === 'true', col };
    if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(token)) return { value: Number(token), col };
    if (token.startsWith(':') && token.length > 1) return { value: { keyword: token.slice(1) }, col };
    return this.fail(col, `expected nil, a number, a string, a keyword, a list or a map, got ${token}`);
  }
}

function isKeyword(v: EdnValue | undefined): v is EdnKeyword {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map);
}

function ednScalar(v: EdnValue): Value | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  return undefined;
}

/** A key as raftsim names it: a string as is, an integer in decimal, a keyword with its colon; undefined for anything else. */
function ednKey(v: EdnValue): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (isKeyword(v)) return ':' + v.keyword;
  return undefined;
}

function parseJepsenEdn(lines: readonly string[], file: string): Events {
  const events: HistoryEvent[] = [];
  const eventLines: number[] = [];
  const openValue = new Map<number, HistoryEvent['value']>();
  /** Per process: whether its open invocation named its key in a `[k v]` tuple. */
  const openTuple = new Map<number, boolean>();
  const cols: EventCols[] = [];
  /** Each event's `:time` (while every event has one) and its `:model` (null when none). */
  const times: { ns: number; col: number }[] = [];
  let allTimed = true;
  const groups: (string | null)[] = [];
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const reader: EdnReader = new EdnReader(line, file, lineNo);
    const node = reader.read();
    if (!reader.atEnd()) reader.fail(reader.column(), 'expected one map per line, but the line goes on');
    if (!(node.value instanceof Map)) reader.fail(node.col, 'expected an EDN map like {:process 0, :type :invoke, :f :read, :value nil}');
    const map = node.value;
    const field = (name: string): EdnNode => map.get(name) ?? reader.fail(0, `the map has no :${name}`);
    const processNode = field('process');
    if (typeof processNode.value !== 'number' || !Number.isInteger(processNode.value)) {
      if (isKeyword(processNode.value)) return; // :nemesis and other non-client processes
      reader.fail(processNode.col, 'expected an integer :process');
    }
    const process = processNode.value;
    const typeNode = field('type');
    const type = isKeyword(typeNode.value) ? (typeNode.value.keyword as OpType) : undefined;
    if (type === undefined || !OP_TYPES.includes(type)) reader.fail(typeNode.col, 'expected :type :invoke, :ok, :fail or :info');
    const fNode = field('f');
    const f = isKeyword(fNode.value) ? (fNode.value.keyword as OpFunction) : undefined;
    if (f === undefined || !OP_FUNCTIONS.includes(f)) reader.fail(fNode.col, `expected :f ${OP_FUNCTIONS.map((x) => ':' + x).join(', ')}`);
    const keyNode = map.get('key');
    let key = '';
    if (keyNode !== undefined) {
      key = ednKey(keyNode.value) ?? reader.fail(keyNode.col, 'expected a string, integer or keyword :key');
    }
    const valueNode = field('value');
    let raw = valueNode.value;
    // Jepsen's independent keys: `:value [k v]` (a cas's `[k [old new]]`) instead of `:key`. An invocation is a
    // tuple by its shape; its completion is one when the invocation was.
    if (keyNode === undefined && Array.isArray(raw) && raw.length === 2 && ednKey(raw[0]!) !== undefined) {
      const tuple = type === 'invoke' ? (f === 'cas' ? Array.isArray(raw[1]) : true) : openTuple.get(process) === true;
      if (tuple) {
        key = ednKey(raw[0]!)!;
        raw = raw[1]!;
      }
    }
    if (type === 'invoke') openTuple.set(process, keyNode === undefined && key !== '');
    else openTuple.delete(process);
    const timeNode = map.get('time');
    if (timeNode !== undefined) {
      if (typeof timeNode.value !== 'number' || !Number.isInteger(timeNode.value) || timeNode.value < 0) reader.fail(timeNode.col, 'expected :time, a whole number of nanoseconds');
      times.push({ ns: timeNode.value, col: timeNode.col });
    } else {
      allTimed = false;
    }
    const modelNode = map.get('model');
    if (modelNode !== undefined && typeof modelNode.value !== 'string') reader.fail(modelNode.col, 'expected :model, a string (the simulated model the op belongs to)');
    groups.push(modelNode === undefined ? null : (modelNode.value as string));
    let value: HistoryEvent['value'];
    if (f === 'cas' && type !== 'info' && !isKeyword(raw)) {
      const pair = Array.isArray(raw) && raw.length === 2 ? [ednScalar(raw[0]!), ednScalar(raw[1]!)] : [];
      if (pair.length !== 2 || pair[0] === undefined || pair[1] === undefined) reader.fail(valueNode.col, 'expected a cas :value [old new]');
      value = [pair[0]!, pair[1]!];
    } else if (isKeyword(raw) || type === 'info') {
      if (type === 'invoke') reader.fail(valueNode.col, 'expected a value for an :invoke, got a keyword');
      value = null;
    } else {
      const scalar = ednScalar(raw);
      if (scalar === undefined) reader.fail(valueNode.col, 'expected :value nil, a number or a string');
      value = scalar;
    }
    let error: string | undefined;
    const errorNode = map.get('error');
    if (errorNode !== undefined) {
      const e = errorNode.value;
      error = isKeyword(e) ? e.keyword : typeof e === 'string' ? e : JSON.stringify(e);
    }
    if (type === 'fail' && error === undefined) error = f === 'cas' && !isKeyword(raw) ? 'mismatch' : isKeyword(raw) ? raw.keyword : 'failed';
    if (type === 'invoke') {
      openValue.set(process, value);
    } else {
      if ((type === 'info' || isKeyword(raw)) && f !== 'read' && f !== 'get') value = openValue.get(process) ?? null;
      openValue.delete(process);
    }
    events.push({ t: lineNo, process, type, f, key, value, ...(error !== undefined ? { error } : {}) });
    eventLines.push(lineNo);
    cols.push({ type: typeNode.col + 1, f: fNode.col + 1, key: (keyNode ?? valueNode).col + 1, value: valueNode.col + 1 });
  });
  if (!allTimed || events.length === 0) return { events, lines: eventLines, cols, groups, timeUnit: 'line' };
  // Every op has a :time (Jepsen's nanoseconds since the test began): times in microseconds, in order within each history.
  const last = new Map<string | null, number>();
  const timed = events.map((e, i) => {
    const { ns, col } = times[i]!;
    const previous = last.get(groups[i]!) ?? -Infinity;
    if (ns < previous) throw InputError.at(file, eventLines[i]!, col + 1, `:time ${ns} is before the previous op's ${previous} (ops must be in time order)`);
    last.set(groups[i]!, ns);
    return { ...e, t: ns / 1000 };
  });
  return { events: timed, lines: eventLines, cols, groups, timeUnit: 'us' };
}
