import { clientFigures, type EffectiveWrite } from '../check/figures.ts';
import type { Violation } from '../check/violations.ts';
import type { Us } from '../core/time.ts';
import type { ModelSpec, Scenario } from '../scenario/types.ts';
import type { HistoryEvent, HistoryLog } from '../workload/history.ts';
import { checkLinearizable } from './linearizable.ts';
import { judgePromises, promisesOf, PROMISE_NAMES } from './promises.ts';
import { kindOf } from './registry.ts';
import type { CheckStep, LogLine, ModelRun, ModelSummary } from './types.ts';
import { verdictOf, type NodeDowntime } from './verdict.ts';

/**
 * What a model's simulation leaves for the checks. The simulator, the nodes
 * and the safety checker's records are not in it: when `finish` lets the
 * simulation go (`runModel` does), they become garbage before the checks
 * run, so a long run's peak memory is the larger of the two phases rather
 * than their sum.
 */
export interface Simulated {
  readonly log: LogLine[];
  readonly history: HistoryLog;
  readonly checked: readonly Violation[];
  /** undefined: cut by --until before settle; null: converged; else why not. */
  readonly unconverged: string | null | undefined;
  readonly authoritative: readonly EffectiveWrite[];
  readonly authority: string;
  readonly warnings: readonly string[];
  /** Why convergence around the stragglers is not promised for this run (see ModelRuntime.stragglerWarning), or null. */
  readonly livenessWarning: string | null;
  readonly tookOffice: number;
  readonly events: number;
  readonly messages: ModelSummary['messages'];
  readonly traceHash: string;
  readonly nowUs: Us;
  readonly downtime: readonly NodeDowntime[];
  readonly stoppedEarly: boolean;
  readonly horizonUs: Us;
}

/**
 * The checks after a model's simulation (`SteppableRun.finish`): the
 * figures, the linearizability check, the promises, the verdict. They read
 * what the simulation left (`Simulated`), not the simulation, which may be
 * garbage by then.
 */
export function judgeRun(scenario: Scenario, spec: ModelSpec, simulated: Simulated, onCheck?: (step: CheckStep) => void): ModelRun {
  const { log, history, checked, unconverged, authoritative, authority, warnings, livenessWarning, tookOffice, events, messages, traceHash, nowUs, downtime, stoppedEarly, horizonUs } = simulated;
  onCheck?.('figures');
  const figures = clientFigures(history, authoritative, horizonUs);
  onCheck?.('linearizability');
  const linearizability = checkLinearizable(history, authoritative);
  onCheck?.('verdict');
  const promises = promisesOf(spec, warnings, scenario.network, livenessWarning);
  const judged = judgePromises(
    promises.promised,
    { ...figures, linearizable: linearizability.linearizable, ...(linearizability.note !== undefined ? { linearizableNote: linearizability.note } : {}) },
    unconverged,
    nowUs / 1000,
  );
  const undecided = judged.undecided.map((u) => ({ promise: PROMISE_NAMES[u.key], reason: u.reason }));
  const summary: ModelSummary = {
    kind: spec.kind,
    ops: figures.ops,
    availability: round(figures.availability, 4),
    linearizable: linearizability.linearizable,
    ...(linearizability.note !== undefined ? { linearizableNote: linearizability.note } : {}),
    lostWrites: figures.lostWrites,
    staleReads: figures.staleReads,
    dirtyReads: figures.dirtyReads,
    rtoMs: round(figures.rtoMs, 3),
    leaderChanges: Math.max(0, tookOffice - 1),
    converged: unconverged === undefined ? null : unconverged === null,
    violations: [...checked, ...judged.broken],
    promises: promises.promised.map((k) => PROMISE_NAMES[k]),
    ...(undecided.length > 0 ? { promisesUndecided: undecided.map((u) => u.promise) } : {}),
    ...(warnings.length + promises.withdrawn.length > 0 ? { safeZoneWarnings: [...new Set([...warnings, ...promises.withdrawn.map((w) => w.reason)])] } : {}),
    events,
    messages,
    traceHash,
  };
  for (const v of judged.broken) log.push({ atUs: nowUs, text: `BROKEN ${v.invariant}: ${v.detail}` });
  const perKey = kindOf(spec.kind).availabilityPerKey === true;
  const verdict = verdictOf({ summary, history }, horizonUs, { nodeCount: scenario.nodes.length, downtime, perKey });
  onCheck?.('done');
  const historyLog = history;
  let historyEvents: readonly HistoryEvent[] | null = null;
  return {
    name: spec.name,
    summary,
    // As objects only when asked for: a long run's history is kept by column (HistoryLog).
    get history() {
      return (historyEvents ??= historyLog.toArray());
    },
    historyLog,
    log,
    linearizability,
    authority,
    authoritative,
    stoppedEarly,
    unconverged,
    promises,
    undecided,
    verdict,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
