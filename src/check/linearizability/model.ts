import type { Value } from '../../workload/history.ts';
import type { Operation } from './operations.ts';
import type { ModelName } from './types.ts';

/**
 * A key's operations compiled for the search. The model state is one int32
 * and a step is a switch on the operation's kind, with no allocation. State 0
 * is the initial value (null for the register, "" for the key-value model).
 *
 * States are abstract: two values that no operation of the key can tell
 * apart share an id, which is exact (their futures are identical) and makes
 * Lowe's cache prune more.
 *
 * - Register: a value that no read returns and no cas compares with is
 *   unobservable; all unobservable values share one id.
 * - Key-value: a string that is not a prefix of any string a get returned can
 *   never be read again (appends only lengthen it), until a put replaces it;
 *   all such strings share the id DEAD. The other strings are the nodes of a
 *   trie of the get results, so an append walks the trie instead of building
 *   and hashing ever longer strings.
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
/** Always legal; the state becomes the state's string followed by the op's (append). */
export const KIND_APPEND = 5;

/** The key-value state of every string that no get can ever see. */
const KV_DEAD = 1;
/** Trie edges are keyed node * 2^16 + UTF-16 code unit. */
const CHAR_RADIX = 0x10000;

export class CompiledKey {
  readonly n: number;
  readonly kind: Uint8Array;
  /**
   * The op's arguments as ids. Two ops with equal (kind, a, b) have the same
   * effect from every state: the search relies on it (see searchKey).
   */
  readonly a: Int32Array;
  readonly b: Int32Array;
  /** Key-value only: the appended strings (an append's `a` indexes them), and the trie of get results. */
  private readonly appendText: string[] = [];
  private readonly edges = new Map<number, number>();
  private nodes = 2; // 0 is the root (""), 1 is KV_DEAD
  /** (state, append op) → state: each append walks the trie once per state. */
  private readonly appendMemo = new Map<number, number>();

  constructor(
    readonly ops: readonly Operation[],
    readonly model: ModelName,
  ) {
    const n = ops.length;
    this.n = n;
    this.kind = new Uint8Array(n);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    if (model === 'register') this.compileRegister();
    else this.compileKv();
  }

  private compileRegister(): void {
    const ids = new Map<Value, number>([[null, 0]]);
    const intern = (v: Value): number => {
      let id = ids.get(v);
      if (id === undefined) {
        id = ids.size;
        ids.set(v, id);
      }
      return id;
    };
    this.ops.forEach((op, i) => {
      switch (op.f) {
        case 'read':
          this.kind[i] = KIND_READ;
          this.a[i] = intern(op.output as Value);
          break;
        case 'write':
          this.kind[i] = KIND_WRITE;
          this.a[i] = intern(op.value as Value);
          break;
        case 'cas': {
          const [oldValue, newValue] = op.value as readonly [Value, Value];
          this.kind[i] = op.outcome === 'ok' ? KIND_CAS : op.outcome === 'mismatch' ? KIND_CAS_MISMATCH : KIND_CAS_UNKNOWN;
          this.a[i] = intern(oldValue);
          this.b[i] = intern(newValue);
          break;
        }
        default:
          throw new Error(`${op.f} is not a register operation`);
      }
    });
    // Observable values: those a read returns or a cas compares with.
    const observed = new Uint8Array(ids.size);
    for (let i = 0; i < this.n; i++) if (this.kind[i] !== KIND_WRITE) observed[this.a[i]!] = 1;
    const unobservable = observed[0] === 1 ? ids.size : 0;
    const canonical = (id: number): number => (observed[id] === 1 ? id : unobservable);
    for (let i = 0; i < this.n; i++) {
      this.a[i] = canonical(this.a[i]!);
      this.b[i] = canonical(this.b[i]!);
    }
  }

  private compileKv(): void {
    const text = (v: Value | boolean | readonly [Value, Value]): string => (v === null ? '' : String(v));
    const appendIds = new Map<string, number>();
    // The trie first, from every get result; then puts and appends walk it.
    this.ops.forEach((op, i) => {
      if (op.f === 'get') {
        this.kind[i] = KIND_READ;
        this.a[i] = this.insert(text(op.output));
      }
    });
    this.ops.forEach((op, i) => {
      switch (op.f) {
        case 'get':
          break;
        case 'put':
          this.kind[i] = KIND_WRITE;
          this.a[i] = this.walk(0, text(op.value));
          break;
        case 'append': {
          this.kind[i] = KIND_APPEND;
          // `a` names the appended string, so that appends of different strings differ in (kind, a, b).
          const appended = text(op.value);
          let id = appendIds.get(appended);
          if (id === undefined) {
            id = appendIds.size;
            appendIds.set(appended, id);
            this.appendText.push(appended);
          }
          this.a[i] = id;
          break;
        }
        default:
          throw new Error(`${op.f} is not a key-value operation`);
      }
    });
  }

  private insert(s: string): number {
    let node = 0;
    for (let k = 0; k < s.length; k++) {
      const edge = node * CHAR_RADIX + s.charCodeAt(k);
      let child = this.edges.get(edge);
      if (child === undefined) {
        child = this.nodes++;
        this.edges.set(edge, child);
      }
      node = child;
    }
    return node;
  }

  private walk(from: number, s: string): number {
    let node = from;
    for (let k = 0; k < s.length && node !== KV_DEAD; k++) node = this.edges.get(node * CHAR_RADIX + s.charCodeAt(k)) ?? KV_DEAD;
    return node;
  }

  /** True when the op never changes the state and its legality depends on the state alone (a read, a cas mismatch). */
  isReadOnly(op: number): boolean {
    return this.kind[op] === KIND_READ || this.kind[op] === KIND_CAS_MISMATCH;
  }

  /** True when the op's result ignores the state it starts from, and it is always legal (a write, a put). */
  isBlindWrite(op: number): boolean {
    return this.kind[op] === KIND_WRITE;
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
    if (state === KV_DEAD) return KV_DEAD;
    const memoKey = state * this.n + op;
    let next = this.appendMemo.get(memoKey);
    if (next === undefined) {
      next = this.walk(state, this.appendText[this.a[op]!]!);
      this.appendMemo.set(memoKey, next);
    }
    return next;
  }
}

/** The value after running `ops` in order from the initial value, by the plain sequential specification. */
export function replayValue(ops: readonly Operation[], model: ModelName): Value {
  let value: Value = model === 'kv' ? '' : null;
  for (const op of ops) {
    switch (op.f) {
      case 'write':
      case 'put':
        value = op.value as Value;
        break;
      case 'append':
        value = String(value ?? '') + String(op.value ?? '');
        break;
      case 'cas': {
        const [oldValue, newValue] = op.value as readonly [Value, Value];
        if (op.outcome !== 'mismatch' && value === oldValue) value = newValue;
        break;
      }
      default:
        break;
    }
  }
  return value;
}
