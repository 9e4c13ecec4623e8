import type { HistoryEvent } from '../../workload/history.ts';
import { CompiledKey, replayValue } from './model.ts';
import { guessModel, inTimeOrder, pairOperations, partitionByKey, publicOp, type Operation } from './operations.ts';
import { CACHE_WORDS_MAX, searchKey } from './search.ts';
import type { CheckOptions, LinearizabilityFailure, LinearizabilityResult, ModelName } from './types.ts';

export type {
  CheckOptions,
  LinearizabilityFailure,
  LinearizabilityOp,
  LinearizabilityResult,
  ModelName,
  OpOutcome,
} from './types.ts';
export { HistoryShapeError, guessModel, pairOperations } from './operations.ts';
export { renderTimeline, type TimelineOptions } from './timeline.ts';

/**
 * Default step budget per key. A step is one iteration of the search (try an
 * operation, or backtrack): a few hundred nanoseconds at most, so this bounds
 * a key's check to a second or two. The hardest of Porcupine's histories
 * (etcd_002) needs about 100 000. The cache is bounded separately, by
 * CACHE_WORDS_MAX.
 */
export const DEFAULT_MAX_STEPS = 5_000_000;

/**
 * Checks a client history for linearizability against a per-key model: the
 * compare-and-set register (read, write, cas; initial value null) or the
 * key-value store (get, put, append; initial value ""). Keys are checked one
 * at a time (P-compositionality), smallest first, and the check stops at the
 * first key that is not linearizable. The result is a pure function of the
 * events and options.
 *
 * A history with no operation to check (none at all, or only ones that took
 * no effect) is linearizable, vacuously; the result says so in its note.
 */
export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions = {}): LinearizabilityResult {
  const model: ModelName = options.model ?? guessModel(events);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(maxSteps > 0)) throw new RangeError(`maxSteps must be positive, got ${maxSteps}`);
  const { ops } = pairOperations(inTimeOrder(events), model);
  if (ops.length === 0) {
    const note =
      events.length === 0
        ? 'empty history: no operations to check'
        : 'no operation to check: every one failed, or was a read of unknown outcome';
    return { linearizable: true, keysChecked: 0, steps: 0, note };
  }
  const keys = [...partitionByKey(ops).entries()];
  // Smallest keys first (then first-seen order, which the stable sort keeps): cheap verdicts come before expensive ones.
  keys.sort((x, y) => x[1].length - y[1].length);

  let steps = 0;
  let keysChecked = 0;
  const unfinished: string[] = [];
  let outOfMemory = false;
  for (const [key, keyOps] of keys) {
    const compiled = new CompiledKey(keyOps, model);
    const callPos = Float64Array.from(keyOps, (op) => op.callPos);
    const returnPos = Float64Array.from(keyOps, (op) => op.returnPos);
    const outcome = searchKey(compiled, callPos, returnPos, maxSteps);
    steps += outcome.steps;
    if (outcome.verdict === null) {
      unfinished.push(key);
      if (outcome.exhausted === 'memory') outOfMemory = true;
      continue;
    }
    keysChecked++;
    if (!outcome.verdict) {
      return {
        linearizable: false,
        keysChecked,
        steps,
        failure: describeFailure(key, model, keyOps, outcome.prefix),
      };
    }
  }
  if (unfinished.length > 0) {
    const names = unfinished.map((k) => JSON.stringify(k)).join(', ');
    return {
      linearizable: null,
      keysChecked,
      steps,
      note:
        `${outOfMemory ? `search budget (${maxSteps} steps or ${CACHE_WORDS_MAX} cache words per key)` : `step budget of ${maxSteps} per key`} ` +
        `exhausted on ${unfinished.length} of ${keys.length} keys (${names}); the other keys are linearizable`,
    };
  }
  return { linearizable: true, keysChecked, steps };
}

function describeFailure(
  key: string,
  model: ModelName,
  ops: readonly Operation[],
  prefix: Int32Array,
): LinearizabilityFailure {
  const linearized = new Uint8Array(ops.length);
  for (const op of prefix) linearized[op] = 1;
  // The earliest return still pending after the prefix: that operation had to be
  // ordered before anything called after it, and neither it nor any operation
  // called before it could be ordered next.
  let firstReturn = Infinity;
  for (let i = 0; i < ops.length; i++) {
    if (linearized[i] === 0 && ops[i]!.returnPos < firstReturn) firstReturn = ops[i]!.returnPos;
  }
  // Operations of unknown outcome are left out: they never block anything (they may
  // always take effect later, or never).
  const conflicting: Operation[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (linearized[i] === 0 && op.callPos < firstReturn && op.outcome !== 'unknown') conflicting.push(op);
  }
  const prefixOps = Array.from(prefix, (i) => ops[i]!);
  return {
    key,
    spec: model,
    linearizedPrefix: prefixOps.map(publicOp),
    // Replayed on real values: the search's states are abstract.
    valueAfterPrefix: replayValue(prefixOps, model),
    conflicting: conflicting.map(publicOp),
  };
}
