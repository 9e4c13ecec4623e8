/**
 * A model kind, described once: its options (each with its zod schema, from
 * which the scenario schema and the JSON Schema for editors follow), the
 * checks its options need against the rest of the scenario, its factory, what
 * each configuration promises, and what the terminal UI shows of it. Every
 * kind is one `ModelKind` listed in registry.ts; nothing else in the program
 * names a kind (docs/adding-a-model.md).
 *
 * Leaders, terms and a single authoritative log are optional parts: a kind
 * without an office (`ui.office: null`) has no `leader` fault target, no
 * leader changes, and derives its figures from whatever its runtime's
 * `authoritativeWrites` says took effect (docs/figures.md).
 */
import type { z } from 'zod';
import type { NetworkParams } from '../scenario/types.ts';
import type { PathSeg, Problem } from '../scenario/fields.ts';
import type { AnyOptionTable, OptionsOutput } from '../scenario/model-options.ts';
import type { ModelHooks, ModelRuntime } from './model.ts';
import type { ModelPromises } from './promise-keys.ts';

/** What every model spec has: its kind and its (unique) name. */
export interface BaseModelSpec {
  readonly kind: string;
  readonly name: string;
}

/** A model mapping of the scenario after the schema (defaults filled in), as a kind's `check` sees it. */
export type KindDocument<T extends AnyOptionTable> = { readonly kind: string; readonly name?: string | undefined } & {
  readonly [K in keyof T]: z.output<T[K]['schema']>;
};

export interface KindCheckContext {
  /** The scenario's node names. */
  readonly nodes: readonly string[];
  /** The model's value at `path` (relative to the model mapping) as written, before defaults; undefined when absent. */
  written(path: readonly PathSeg[]): unknown;
}

export interface PromiseContext {
  /** The runtime's safe-zone warnings for this run (empty when none or not known). */
  readonly safeZoneWarnings: readonly string[];
  /** The scenario's network (what settle restores); null when not known. */
  readonly network: Pick<NetworkParams, 'latencyUsMax'> | null;
}

/** What the terminal UI shows of a kind. */
export interface KindUi {
  /** The role that holds office (`leader`, `primary`); null: the kind has none (no leader line, no `leader` fault target). */
  readonly office: string | null;
  /** The column head of a node's term (`trm`, `ep`), and the word after the office holder's name (`term`, `ep`). */
  readonly termHead: string;
  readonly termWord: string;
  /** Show each node's lag behind the office holder. */
  readonly lag: boolean;
}

export interface ModelKind<S extends BaseModelSpec = BaseModelSpec, T extends AnyOptionTable = AnyOptionTable> {
  readonly kind: S['kind'];
  /** One line for the schema's `kind` description. */
  readonly description: string;
  /** The options, in the order the docs list them; their converted values are the fields of S. */
  readonly options: T;
  /** Checks that need the rest of the scenario (node names, node count); paths are relative to the model mapping. */
  check?(model: KindDocument<T>, context: KindCheckContext): Problem[];
  /** Builds the model for one run. */
  factory(spec: S, hooks: ModelHooks): ModelRuntime;
  /** What the configuration promises for a run (see promises.ts). */
  promises(spec: S, context: PromiseContext): ModelPromises;
  readonly ui: KindUi;
  /**
   * The verdict counts a client's outages per key it uses: each key has replicas of its own, so a client
   * answered on one key and refused on another was unavailable for the other (leaderless). Default: per client.
   */
  readonly availabilityPerKey?: boolean;
  /**
   * What the report calls the state the figures are judged against (its line names it and says whose it
   * is). Default `authoritative log`; a kind without a single log says what it has instead.
   */
  readonly authorityLabel?: string;
}

/**
 * Declares a kind. The type check fails unless converting the options gives
 * the spec's fields: a new option is one entry of the table and one field of
 * the spec.
 */
export function defineKind<S extends BaseModelSpec, T extends AnyOptionTable>(
  kind: ModelKind<S, T> & ([{ kind: S['kind']; name: string } & OptionsOutput<T>] extends [S] ? unknown : { readonly optionsDoNotMakeTheSpec: never }),
): ModelKind<S, T> {
  return kind;
}

/** The spec type of a kind. */
export type SpecOf<D> = D extends ModelKind<infer S, AnyOptionTable> ? S : never;
