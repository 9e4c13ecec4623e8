import type { ModelSpec } from '../scenario/types.ts';
import type { ModelFactory } from './model.ts';
import { primaryReplicaModel } from './primary-replica-model.ts';
import { raftModel } from './raft-model.ts';

const FACTORIES: { readonly [K in ModelSpec['kind']]?: ModelFactory<Extract<ModelSpec, { kind: K }>> } = {
  raft: raftModel,
  'primary-replica': primaryReplicaModel,
};

/**
 * Registers (or replaces) the factory of a model kind. Both kinds are
 * registered above; a test replaces one to run nodes that break the rules
 * under a configuration that promises they keep them (test/broken-promise-exit.test.ts).
 */
export function registerModel<K extends ModelSpec['kind']>(kind: K, factory: ModelFactory<Extract<ModelSpec, { kind: K }>>): void {
  (FACTORIES as Record<string, unknown>)[kind] = factory;
}

/** The factory of a model kind; throws when this build has none (`bench speed` reports such kinds as unavailable). */
export function modelFactory(kind: ModelSpec['kind']): ModelFactory {
  const factory = FACTORIES[kind] as ModelFactory | undefined;
  if (factory === undefined) throw new Error(`model kind ${kind} is not available in this build`);
  return factory;
}
