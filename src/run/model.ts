import type { Protocol, ProtocolNode } from '../core/protocol.ts';
import type { EffectiveWrite } from '../check/figures.ts';
import type { CheckClock, CheckerWatch, Violation } from '../check/violations.ts';
import type { Us } from '../core/time.ts';
import type { ModelSpec } from '../scenario/types.ts';
import type { BaseModelSpec } from './kind.ts';
import type { VoteReasonName } from '../protocols/raft/types.ts';

/**
 * What the run layer needs of a model beyond the `Protocol` the simulator
 * hosts: its own safety checks, who took office when, and the authoritative
 * log after `settle`. One implementation per model kind.
 */
export interface ModelRuntime {
  readonly protocol: Protocol;
  /** Safety violations found so far (checked online, as the nodes act). */
  violations(): readonly Violation[];
  /** How many times a node took office as leader or primary (the first included); 0 for a kind without an office. */
  tookOffice(): number;
  /** After settle: the writes that took effect, in the order of the authoritative log. */
  authoritativeWrites(nodes: readonly (ProtocolNode | null)[]): EffectiveWrite[];
  /** Which node's log is authoritative and why, for the report. */
  authority(nodes: readonly (ProtocolNode | null)[]): string;
  /**
   * The liveness phase: after settle, with every fault healed, has the model
   * converged (Raft: a leader exists and every member applied the same
   * committed log)? null when it has, else what is missing.
   */
  convergence?(nodes: readonly (ProtocolNode | null)[], stragglers: ReadonlySet<number>): string | null;
  /**
   * At settle, with stragglers (scenario.stragglers) left as the script left them: why this
   * configuration does not promise to converge around them (Raft without checkQuorum: a straggler
   * that still leads the newest term and cannot hear the others keeps them following it), or null.
   */
  stragglerWarning?(nodes: readonly (ProtocolNode | null)[], stragglers: ReadonlySet<number>): string | null;
  /** Per node: clock drift (0.05 = 5% fast). Absent: no drift. */
  readonly clockDrift?: readonly number[];
  /** Primary/replica: the node holding the leader lock at `nowUs` (by the majority's grants, in simulated time) and its epoch, or null. */
  lockHolder?(nowUs: Us): { readonly node: number; readonly epoch: number } | null;
  /**
   * Why this configuration runs outside the conditions its safety rests on,
   * one line each (Raft: clock drift beyond maxClockDrift under lease reads).
   * Absent or empty: inside them. A promise that rests on a broken condition
   * is not one the model makes for this run.
   */
  readonly safeZoneWarnings?: readonly string[];
}

export interface ModelHooks {
  readonly clock: CheckClock;
  readonly nodeNames: readonly string[];
  /** A role change worth a line in the event log and a trace note. */
  note(node: number, text: string, important: boolean): void;
  /** A node took a role (for the UI's event stream; `note` carries the text). Called before the matching `note`. */
  roleChanged?(node: number, role: string, term: number): void;
  /**
   * Raft: a node decided a vote or pre-vote (see RaftObserver.vote; -1 for no leader, no vote). For
   * the UI's event stream only; called on every decision whether or not anyone listens, so it must
   * cost a test when nobody does.
   */
  vote?(node: number, candidate: number, term: number, preVote: boolean, reason: VoteReasonName, voterTerm: number, leader: number, votedFor: number): void;
  /** Handed to the model's safety checker: violations, commits and applies as they happen. */
  readonly watch?: CheckerWatch;
}

export type ModelFactory<S extends BaseModelSpec = ModelSpec> = (spec: S, hooks: ModelHooks) => ModelRuntime;
