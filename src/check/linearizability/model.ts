import type { Value } from '../../workload/history.ts';
import type { Operation } from './operations.ts';
import type { ModelName } from './types.ts';

/**
 * A key's operations compiled for the search: every value is interned to a
 * small integer, so the model state is one int32 and a step is a switch on
 * the operation's kind with no allocation. State 0 is the initial value
 * (null for the register, "" for the key-value model).
 */

/** Legal when the state equals `a`; leaves it unchanged (read, get). */
export const KIND_READ = 0;
/** Always legal; the state becomes `a` (write, put). */
export const KIND_WRITE = 1;
/** Legal when the state equals `a`; the state becomes `b` (cas that returned ok). */
export const KIND_CAS = 2;
/** Legal when the state differs from `a`; leaves it unchanged (cas that failed with a mismatch). */
export const KIND_CAS_MISMATCH = 3;
/** Always legal; the state becomes `b` if it equals `a` (cas of unknown outcome). */
export const KIND_CAS_UNKNOWN = 4;
/** Always legal; the state becomes the state's string followed by `a`'s (append). */
export const KIND_APPEND = 5;

export class CompiledKey {
  readonly n: number;
  readonly kind: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** State id → the value it stands for. */
  private readonly values: Value[] = [];
  private readonly ids = new Map<Value, number>();
  /** (state, append op) → state, so each concatenation is built and interned once. */
  private readonly appendMemo = new Map<number, number>();

  constructor(readonly ops: readonly Operation[], readonly model: ModelName) {
    const n = ops.length;
    this.n = n;
    this.kind = new Uint8Array(n);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.intern(model === 'kv' ? '' : null);
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      switch (op.f) {
        case 'read':
        case 'get':
          this.kind[i] = KIND_READ;
          this.a[i] = this.intern(op.output as Value);
          break;
        case 'write':
        case 'put':
          this.kind[i] = KIND_WRITE;
          this.a[i] = this.intern(op.value as Value);
          break;
        case 'append':
          this.kind[i] = KIND_APPEND;
          this.a[i] = this.intern(op.value as Value);
          break;
        case 'cas': {
          const [oldValue, newValue] = op.value as readonly [Value, Value];
          this.kind[i] = op.outcome === 'ok' ? KIND_CAS : op.outcome === 'mismatch' ? KIND_CAS_MISMATCH : KIND_CAS_UNKNOWN;
          this.a[i] = this.intern(oldValue);
          this.b[i] = this.intern(newValue);
          break;
        }
      }
    }
  }

  /** True when the op never changes the state and its legality depends on the state alone (a read, a cas mismatch). */
  isReadOnly(op: number): boolean {
    return this.kind[op] === KIND_READ || this.kind[op] === KIND_CAS_MISMATCH;
  }

  /** The value a state id stands for. */
  valueOf(state: number): Value {
    return this.values[state]!;
  }

  /** The state after `op` from `state`, or -1 when the op's output is impossible from `state`. */
  step(state: number, op: number): number {
    switch (this.kind[op]) {
      case KIND_READ:
        return state === this.a[op] ? state : -1;
      case KIND_WRITE:
        return this.a[op]!;
      case KIND_CAS:
        return state === this.a[op] ? this.b[op]! : -1;
      case KIND_CAS_MISMATCH:
        return state !== this.a[op] ? state : -1;
      case KIND_CAS_UNKNOWN:
        return state === this.a[op] ? this.b[op]! : state;
      default:
        return this.append(state, op);
    }
  }

  private append(state: number, op: number): number {
    const memoKey = state * this.n + op;
    const known = this.appendMemo.get(memoKey);
    if (known !== undefined) return known;
    const next = this.intern(String(this.values[state]) + String(this.values[this.a[op]!]));
    this.appendMemo.set(memoKey, next);
    return next;
  }

  /**
   * The id of a value. Key-value values are strings, and a missing value
   * (null) reads as the initial empty string, as in Porcupine's kv model.
   */
  private intern(value: Value): number {
    const v: Value = this.model === 'kv' ? (value === null ? '' : String(value)) : value;
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(v, id);
    }
    return id;
  }
}
