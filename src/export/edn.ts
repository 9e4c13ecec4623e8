import type { HistoryEvent, Value } from '../workload/history.ts';

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
 * - `:process` the client (1-based, as in raftsim's own history);
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
export function ednLine(event: HistoryEvent, index: number, model: string | null): string {
  let out = `{:type :${event.type}, :f :${event.f}, :value [${ednString(event.key)} ${ednValue(event.value)}], :process ${event.process}, :time ${event.t * 1000}, :index ${index}`;
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
