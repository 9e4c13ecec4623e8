/**
 * The key-value state machine moved to src/protocols/kv.ts, shared with the
 * primary/replica model; this re-export keeps the Raft imports working.
 */
export { KvStateMachine } from '../kv.ts';
