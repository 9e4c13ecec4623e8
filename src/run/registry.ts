/**
 * The model kinds, each registered once (a `ModelKind`, kind.ts): the
 * scenario schema, the loader, the run layer, the promises, the fuzzer's
 * `--model`, `bench speed` and the terminal UI all read this list. A new kind
 * is one more entry here (docs/adding-a-model.md).
 */
import type { BaseModelSpec, ModelKind, SpecOf } from './kind.ts';
import type { ModelFactory } from './model.ts';
import type { AnyOptionTable } from '../scenario/model-options.ts';
import { leaderlessKind } from './leaderless-model.ts';
import { primaryReplicaKind } from './primary-replica-model.ts';
import { raftKind } from './raft-model.ts';

/** Every kind, in the order the schema and the docs list them. */
export const KINDS = [raftKind, primaryReplicaKind, leaderlessKind] as const;

/** A model of any registered kind, after validation. */
export type RegisteredSpec = SpecOf<(typeof KINDS)[number]>;

/** The kinds' names, in registration order. */
export const KIND_NAMES: readonly RegisteredSpec['kind'][] = KINDS.map((k) => k.kind);

const BY_NAME = new Map<string, ModelKind<BaseModelSpec, AnyOptionTable>>(KINDS.map((k) => [k.kind, k as unknown as ModelKind<BaseModelSpec, AnyOptionTable>]));

/** The descriptor of a kind; throws for a name no kind has (a validated scenario names only registered kinds). */
export function kindOf(kind: string): ModelKind<BaseModelSpec, AnyOptionTable> {
  const k = BY_NAME.get(kind);
  if (k === undefined) throw new Error(`model kind ${kind} is not available in this build`);
  return k;
}

const OVERRIDES = new Map<string, ModelFactory>();

/**
 * Replaces the factory of a model kind (or, with the kind's own factory,
 * puts it back). A test replaces one to run nodes that break the rules under
 * a configuration that promises they keep them (test/broken-promise-exit.test.ts).
 */
export function registerModel<K extends RegisteredSpec['kind']>(kind: K, factory: ModelFactory<Extract<RegisteredSpec, { kind: K }>>): void {
  OVERRIDES.set(kind, factory as unknown as ModelFactory);
}

/** The factory of a model kind; throws when this build has none (`bench speed` reports such kinds as unavailable). */
export function modelFactory(kind: RegisteredSpec['kind']): ModelFactory {
  const override = OVERRIDES.get(kind);
  if (override !== undefined) return override;
  const k = kindOf(kind);
  return (spec, hooks) => k.factory(spec as never, hooks);
}
