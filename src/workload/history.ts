/**
 * The client history of contract §6: one event per line, in time order.
 * Jepsen's conventions: `ok` took effect, `fail` definitely did not, `info`
 * is unknown. Every written value is unique, so a value names its write.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** `read`, `write` and `cas` are raftsim's register operations; `get`, `put` and `append` are the key-value model's (Jepsen/Porcupine kv histories). */
export type OpFunction = 'read' | 'write' | 'cas' | 'get' | 'put' | 'append';

import type { Value } from '../core/protocol.ts';

export type { Value };

export interface HistoryEvent {
  /** Microseconds of simulated time (or, for imported histories, an order-preserving position). */
  readonly t: number;
  readonly process: number;
  readonly type: OpType;
  readonly f: OpFunction;
  readonly key: string;
  /** write/put/append: the value written; cas: [old, new]; read/get: the value read on `ok`, null on invoke. */
  readonly value: Value | readonly [Value, Value];
  /** On `fail`: `mismatch` for a cas whose compare found another value; anything else took no effect. */
  readonly error?: string;
}
