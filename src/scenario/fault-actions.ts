/**
 * The fault actions of docs/scenario-format.md, one entry each: the schema of the value,
 * the nodes it names (checked against the scenario's nodes), any further
 * check, and its conversion to a `FaultAction`. A new action (pause, resume,
 * transfer, add, remove, ...) is one more entry here and one more member of
 * `FaultAction` in types.ts.
 */
import { z } from 'zod';
import type { FaultAction } from './types.ts';
import { list, mapping, whenKeysKnown, problem, probability, timeRange, toUsRange, type PathSeg, type Problem } from './fields.ts';

/** Words that stand for a node chosen when the fault fires; no node may be called one of these. */
export const RESERVED_NODE_NAMES = ['leader', 'follower', 'rest', 'random', 'all'] as const;

/**
 * Where a node reference may appear, and so which words it may use besides node names:
 * - `target`: `leader` or `random`;
 * - `restart-target`: also `all`;
 * - `member` (of a partition group): `leader`, `follower` or `rest`.
 */
export type NodeRole = 'target' | 'restart-target' | 'member' | 'node';

export const ROLE_WORDS: Readonly<Record<NodeRole, readonly string[]>> = {
  target: ['leader', 'random'],
  'restart-target': ['leader', 'random', 'all'],
  member: ['leader', 'follower', 'rest'],
  node: [],
};

/** A node named by a fault, with its path below the action's key. */
export interface NodeRef {
  readonly path: readonly PathSeg[];
  readonly name: string;
  readonly role: NodeRole;
}

export interface FaultActionDef<S extends z.ZodType> {
  readonly schema: S;
  /** Every node name or word the value uses, for the unknown-node check. */
  readonly nodeRefs: (value: z.output<S>) => readonly NodeRef[];
  /** Further checks once the node names are known; paths are below the action's key. */
  readonly check?: (value: z.output<S>, nodes: readonly string[]) => readonly Problem[];
  readonly toAction: (value: z.output<S>) => FaultAction;
}

function defineAction<S extends z.ZodType>(def: FaultActionDef<S>): FaultActionDef<S> {
  return def;
}

const TARGET_EXPECTED = 'a node name, leader or random';

function target(description: string) {
  const err = problem('a fault target', TARGET_EXPECTED);
  return z.string({ error: err }).min(1, { error: err }).meta({ description: `${description} A node name, leader or random.` });
}

const member = z
  .string({ error: problem('a partition group member', 'a node name, leader, follower or rest') })
  .meta({ description: 'A node name, leader, follower (the lowest-named node not yet placed) or rest (every node left).' });

const partitionSchema = list(
  list(member, 'a partition group', 'a list of node names, leader, follower or rest, e.g. [n1, n2]', { min: 1 }),
  'a partition',
  'a list of groups, e.g. [[leader, follower], [rest]]',
  {
    min: 1,
    description: 'Only nodes in the same group can talk; every node in exactly one group. E.g. [[leader, follower], [rest]].',
  },
);

/** A partition places every node exactly once. Names and `leader` first, then each `follower`, then `rest`. */
function checkPartition(groups: readonly (readonly string[])[], nodes: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const at = (message: string): void => void problems.push({ path: [], message });
  const seen = new Map<string, number>();
  for (const name of groups.flat()) seen.set(name, (seen.get(name) ?? 0) + 1);
  for (const [name, count] of seen) {
    if (count > 1 && name !== 'follower') {
      at(`${name === 'rest' || name === 'leader' ? `"${name}"` : `node "${name}"`} appears ${count} times in this partition; expected every node in exactly one group`);
    }
  }
  if (problems.length > 0) return problems;
  const slots = groups.flat().filter((name) => name !== 'rest').length;
  const hasRest = seen.has('rest');
  if (slots > nodes.length) {
    at(`this partition places ${slots} nodes but the scenario has ${nodes.length}; expected every node in exactly one group`);
  } else if (!hasRest && slots < nodes.length) {
    const resolvable = !seen.has('leader') && !seen.has('follower');
    const missing = nodes.filter((node) => !seen.has(node));
    const which = resolvable ? `does not place ${missing.join(', ')}` : `places ${slots} of the ${nodes.length} nodes`;
    at(`this partition ${which}; expected every node in exactly one group (name the missing nodes, or add a group [rest])`);
  }
  return problems;
}

export const FAULT_ACTIONS = {
  partition: defineAction({
    schema: partitionSchema,
    nodeRefs: (groups) => groups.flatMap((group, g) => group.map((name, m) => ({ path: [g, m], name, role: 'member' as const }))),
    check: checkPartition,
    toAction: (groups) => ({ action: 'partition', groups }),
  }),
  isolate: defineAction({
    schema: target('Cut this node off from every other: the same as [[TARGET], [rest]].'),
    nodeRefs: (name) => [{ path: [], name, role: 'target' }],
    toAction: (name) => ({ action: 'isolate', target: name }),
  }),
  cut: defineAction({
    schema: mapping(
      'cut fault',
      {
        from: target('The sending side.'),
        to: target('The receiving side.'),
        both: z
          .boolean({ error: problem('a boolean', 'true or false') })
          .default(false)
          .meta({ description: 'Cut both directions.' }),
      },
      { description: 'Messages from A to B are lost (one-way); both: true for both ways.' },
    ),
    nodeRefs: (cut) => [
      { path: ['from'], name: cut.from, role: 'target' },
      { path: ['to'], name: cut.to, role: 'target' },
    ],
    check: (cut) =>
      cut.from === cut.to && cut.from !== 'random'
        ? [{ path: ['to'], message: `"${cut.to}" is also the cut's from; expected two different nodes` }]
        : [],
    toAction: (cut) => ({ action: 'cut', from: cut.from, to: cut.to, both: cut.both }),
  }),
  heal: defineAction({
    schema: z.literal(true, { error: problem('valid for heal', 'true') }).meta({ description: 'Restore every link (partitions and cuts).' }),
    nodeRefs: () => [],
    toAction: () => ({ action: 'heal' }),
  }),
  crash: defineAction({
    schema: target('Stop this node: volatile state and timers are lost, persisted state kept.'),
    nodeRefs: (name) => [{ path: [], name, role: 'target' }],
    toAction: (name) => ({ action: 'crash', target: name }),
  }),
  restart: defineAction({
    schema: target('Start this crashed node again from its persisted state; all restarts every crashed node.'),
    nodeRefs: (name) => [{ path: [], name, role: 'restart-target' }],
    toAction: (name) => ({ action: 'restart', target: name }),
  }),
  pause: defineAction({
    schema: target('Freeze this node like a long GC pause: its timers and deliveries wait, nothing is lost, and it acts on stale beliefs when resumed.'),
    nodeRefs: (name) => [{ path: [], name, role: 'target' }],
    toAction: (name) => ({ action: 'pause', target: name }),
  }),
  resume: defineAction({
    schema: target('Resume this paused node; all resumes every paused node.'),
    nodeRefs: (name) => [{ path: [], name, role: 'restart-target' }],
    toAction: (name) => ({ action: 'resume', target: name }),
  }),
  transfer: defineAction({
    schema: mapping(
      'transfer fault',
      { to: target('The node that should take over.') },
      { description: "Raft leadership transfer: the leader stops taking requests, brings the target up to date and sends it TimeoutNow; it gives up after an election timeout." },
    ),
    nodeRefs: (transfer) => [{ path: ['to'], name: transfer.to, role: 'target' }],
    toAction: (transfer) => ({ action: 'transfer', to: transfer.to }),
  }),
  add: defineAction({
    schema: z.string({ error: problem('a node to add', 'a node name') }).meta({
      description: 'Raft membership change: the leader adds this node (one of nodes, outside the initial members) with a configuration entry.',
    }),
    nodeRefs: (name) => [{ path: [], name, role: 'node' }],
    toAction: (node) => ({ action: 'add', node }),
  }),
  remove: defineAction({
    schema: z.string({ error: problem('a node to remove', 'a node name') }).meta({
      description: 'Raft membership change: the leader removes this node with a configuration entry (a removed leader steps down once it commits).',
    }),
    nodeRefs: (name) => [{ path: [], name, role: 'node' }],
    toAction: (node) => ({ action: 'remove', node }),
  }),
  network: defineAction({
    schema: mapping(
      'network fault',
      {
        latency: timeRange('Message latency from now on.').optional(),
        drop: probability('Probability a message is lost, from now on.').optional(),
        duplicate: probability('Probability a message is delivered twice, from now on.').optional(),
      },
      { description: "Change the network's parameters from now on." },
    ).refine((change) => change.latency !== undefined || change.drop !== undefined || change.duplicate !== undefined, {
      error: 'an empty network change does nothing; expected at least one of: latency, drop, duplicate',
      when: whenKeysKnown,
    }),
    nodeRefs: () => [],
    toAction: (change) => {
      const latency = change.latency === undefined ? undefined : toUsRange(change.latency);
      return {
        action: 'network',
        ...(latency === undefined ? {} : { latencyUsMin: latency.minUs, latencyUsMax: latency.maxUs }),
        ...(change.drop === undefined ? {} : { drop: change.drop }),
        ...(change.duplicate === undefined ? {} : { duplicate: change.duplicate }),
      };
    },
  }),
} as const;

export type FaultActionName = keyof typeof FAULT_ACTIONS;
export const FAULT_ACTION_NAMES = Object.keys(FAULT_ACTIONS) as FaultActionName[];

type AnyActionDef = FaultActionDef<z.ZodType>;

/** The entry for `name`, with its value type erased (the value was validated by that entry's own schema). */
export function actionDef(name: FaultActionName): AnyActionDef {
  return FAULT_ACTIONS[name] as unknown as AnyActionDef;
}

/** The schema of every action, each optional: a fault item has `at` and exactly one of them. */
export const faultActionShape = Object.fromEntries(FAULT_ACTION_NAMES.map((key) => [key, FAULT_ACTIONS[key].schema.optional()])) as {
  readonly [K in FaultActionName]: z.ZodOptional<(typeof FAULT_ACTIONS)[K]['schema']>;
};
