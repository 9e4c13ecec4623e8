import type { HistoryEvent, HistoryLog, Value } from '../workload/history.ts';

/**
 * Jepsen's process numbering: a process whose operation ended `:info`
 * (crashed, in Jepsen's terms) never runs again; the client goes on as a
 * new process, its number plus the number of clients. Client `c` is process
 * `c` until its first `:info`, then `c + clients`, then `c + 2 × clients`,
 * … — so Knossos and Elle never see a crashed process invoke again. Feed
 * it a history's events in order (`clients`: the highest client number).
 */
export class JepsenProcesses {
  private readonly crashes = new Map<number, number>();

  constructor(private readonly clients: number) {}

  /** The Jepsen process of `event` (call once per event, in history order). */
  of(event: HistoryEvent): number {
    const process = event.process + (this.crashes.get(event.process) ?? 0) * this.clients;
    if (event.type === 'info') this.crashes.set(event.process, (this.crashes.get(event.process) ?? 0) + 1);
    return process;
  }
}

/**
 * A client history in Jepsen's EDN, one operation map per line, the shape
 * Knossos and Elle read (`jepsen.history` ops; keys as `jepsen.independent`
 * tuples):
 *
 *     {:type :invoke, :f :write, :value ["k3" 15], :process 1, :time 209850000, :index 0}
 *     {:type :ok, :f :write, :value ["k3" 15], :process 1, :time 248988000, :index 1}
 *     {:type :fail, :f :read, :value ["k1" nil], :process 4, :time 3116000, :index 7, :error "no leader"}
 *
 * - `:type` `:invoke | :ok | :fail | :info`; `:f` `:read | :write | :cas`;
 * - `:value` `[key value]`, a cas's value `[key [old new]]`;
 * - `:process` the client's Jepsen process (`JepsenProcesses`: the client's
 *   number until an op of its ends `:info`, then a fresh one);
 * - `:time` nanoseconds of simulated time since the start of the run;
 * - `:index` the op's 0-based position in its history;
 * - `:error` on a `:fail` only: a keyword when the reason is one word
 *   (`:timeout`, `:mismatch`), else a string (`"no leader"`);
 * - `:model` the scenario's model name, only when the file holds several
 *   models' histories (each history after the previous one, `:index` and
 *   `:time` starting again from 0).
 *
 * A pure function of the history: no wall clock, no host.
 */
export function ednLine(event: HistoryEvent, index: number, model: string | null, process: number = event.process): string {
  let out = `{:type :${event.type}, :f :${event.f}, :value [${ednString(event.key)} ${ednValue(event.value)}], :process ${process}, :time ${event.t * 1000}, :index ${index}`;
  if (event.error !== undefined) out += `, :error ${ednError(event.error)}`;
  if (model !== null) out += `, :model ${ednString(model)}`;
  return out + '}';
}

function ednValue(v: Value | readonly [Value, Value]): string {
  if (Array.isArray(v)) return `[${ednScalar(v[0])} ${ednScalar(v[1])}]`;
  return ednScalar(v as Value);
}

function ednScalar(v: Value): string {
  if (v === null) return 'nil';
  if (typeof v === 'number') return String(v);
  return ednString(v);
}

/** An EDN string: `"` and `\` escaped, and the control characters EDN can name. */
export function ednString(s: string): string {
  return `"${s.replace(/[\\"\n\t\r]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\${c}`))}"`;
}

/** A one-word reason as a keyword (`:timeout`), as Jepsen's clients write it; anything else as a string. */
function ednError(error: string): string {
  return /^[a-z][a-z0-9-]*$/.test(error) ? `:${error}` : ednString(error);
}

/** One model's history as EDN lines (`model` on each when the file holds several), Jepsen's processes numbered. */
export function* ednHistory(log: HistoryLog, model: string | null): Generator<string> {
  let clients = 0;
  for (let i = 0; i < log.length; i++) clients = Math.max(clients, log.processAt(i));
  const processes = new JepsenProcesses(clients);
  let index = 0;
  for (const event of log) yield ednLine(event, index++, model, processes.of(event));
}
