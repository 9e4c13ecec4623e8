/**
 * The scenario file as written (docs/scenario-format.md), as a zod schema: shapes, types,
 * formats and defaults. Checks that need the whole document (node names
 * referenced by faults, partitions, `at` within `duration`, expect keyed by a
 * model) are in load.ts; the conversion to simulator units is there too.
 *
 * Every mapping is strict: an unknown key is an error. The JSON Schema for
 * editors (schema/scenario.schema.json) is generated from this file.
 */
import { z } from 'zod';
import { EXPECT_FIELDS, expectFieldsSchema, OPERATION_COUNTS } from './expect.ts';
import { FAULT_ACTION_NAMES, faultActionShape } from './fault-actions.ts';
import { list, mapping, whenKeysKnown, name, NODES_MAX, probability, text, time, timeRange, wholeNumber } from './fields.ts';
import { optionShape, type AnyOptionTable } from './model-options.ts';
import { KIND_NAMES, KINDS } from '../run/registry.ts';

const modelName = name('a model name', 'Unique among the models; defaults to the kind. Keys the summary and --model NAME.').optional();

/** One strict mapping per registered kind (run/registry.ts): `kind`, `name` and the kind's options. */
const kindModels = KINDS.map((k) =>
  mapping(`${k.kind} model`, {
    kind: z.literal(k.kind).meta({ description: k.description }),
    name: modelName,
    ...optionShape(k.options as AnyOptionTable),
  }),
);

export const MODEL_KINDS: readonly string[] = KIND_NAMES;

/** `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const model = z
  .discriminatedUnion('kind', kindModels as unknown as [(typeof kindModels)[number], ...(typeof kindModels)[number][]], {
    error: (iss) => {
      const input = iss.input;
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        return `${input === null ? 'an empty value' : Array.isArray(input) ? 'a list' : JSON.stringify(input)} is not a model; expected a mapping such as {kind: raft} or {kind: primary-replica, name: NAME}`;
      }
      const kind = (input as Record<string, unknown>)['kind'];
      if (kind === undefined) return `missing required key "kind" in model; expected one of: ${MODEL_KINDS.join(', ')}`;
      return `${JSON.stringify(kind)} is not a model kind; expected one of: ${MODEL_KINDS.join(', ')}`;
    },
  })
  .meta({ description: `A model to run under the fault script: kind ${orList(MODEL_KINDS)}.` });

const network = mapping(
  'network',
  {
    latency: timeRange('Message latency, uniform in the range.').default('5ms..15ms'),
    drop: probability('Probability a message is lost.').default(0),
    duplicate: probability('Probability a message is delivered twice.').default(0),
  },
  { description: 'The network at the start; faults may change it.' },
);

const workload = mapping(
  'workload',
  {
    clients: wholeNumber('a client count', 0, 1000, 'Client i is bound to node ((i-1) mod N)+1 and shares its side of every partition; 0 means none.').default(3),
    interval: time("Think time between a client's operations (more than 0: a client whose request fails at once would otherwise retry at the same instant forever).", { positive: true }).default('50ms'),
    timeout: time('A client gives up on an operation after this.', { positive: true }).default('1s'),
    keys: wholeNumber('a key count', 1, 1000, 'Keys are named k1..kK.').default(3),
    reads: probability('Fraction of reads.').default(0.5),
    cas: probability('Fraction of compare-and-set; reads + cas <= 1, the rest are writes.').default(0),
  },
  { description: 'The clients and their operation mix.' },
);

const fault = mapping('fault', {
  at: time('When the fault is applied (equal times apply in file order).', { examples: ['5s'] }),
  ...faultActionShape,
})
  .superRefine(
    (item, ctx) => {
    const present = FAULT_ACTION_NAMES.filter((key) => item[key] !== undefined);
    if (present.length === 0) {
      ctx.addIssue({ code: 'custom', message: `fault has no action; expected exactly one of: ${FAULT_ACTION_NAMES.join(', ')}` });
    }
    for (const extra of present.slice(1)) {
      ctx.addIssue({
        code: 'custom',
        path: [extra],
        message: `a fault has one action but this one also has ${present[0]!}; expected exactly one of ${FAULT_ACTION_NAMES.join(', ')} per list item (use two items with the same at)`,
      });
    }
    },
    { when: whenKeysKnown },
  )
  .meta({ description: `At time at, exactly one action: ${FAULT_ACTION_NAMES.join(', ')}.` });

const FACT_MODEL = name('a model name', 'Which model the fact is about; default: the first model.').optional();

/** What a note states, checked against the run (docs/scenario-format.md, Notes). */
const noteFact = mapping(
  'fact',
  {
    model: FACT_MODEL,
    leader: name('a node name', 'The node in office (leader or primary) at the note’s time: the last to take office, not stepped down or crashed since; none: nobody in office then.').optional(),
    term: wholeNumber('a term', 0, Number.MAX_SAFE_INTEGER, 'With leader: the term (epoch) it took office in.').optional(),
    stoodFirst: z.literal(true, { error: 'stoodFirst takes true' }).optional().meta({ description: 'With leader: it was the first node to stand (become a candidate) in its term: its timer fired first.' }),
    votes: list(name('a node name', 'A voter.'), 'a list of node names', 'a list of voters such as [n3, n4]').optional().meta({ description: 'With leader: the nodes that granted it their votes in its term (itself not counted).' }),
    since: time('With leader: when it took office, to the precision written (2.173s: within the millisecond; 2.2s: within 50 ms).').optional(),
    ...EXPECT_FIELDS,
    ...OPERATION_COUNTS,
  },
  { description: 'Facts the note states, each checked against the run: the leader in office at its time (and its term), and summary figures at the end.' },
);

/** How a question's right choice is computed from the run. */
const noteAnswer = mapping(
  'answer',
  {
    model: FACT_MODEL,
    nextLeader: z.literal(true, { error: 'nextLeader takes true' }).optional().meta({ description: 'The right choice is the next node to take office after the note’s time, or the choice nobody when none does before the end.' }),
    figure: z
      .enum([...Object.keys(EXPECT_FIELDS), ...Object.keys(OPERATION_COUNTS)] as [string, ...string[]], {
        error: (iss) => `${JSON.stringify(iss.input)} is not a summary figure; expected one of: ${[...Object.keys(EXPECT_FIELDS), ...Object.keys(OPERATION_COUNTS)].join(', ')}`,
      })
      .optional()
      .meta({ description: 'The right choice is the one comparison (choices like "0", ">0") that holds for this figure at the end of the run.' }),
  },
  { description: 'How the right choice is computed from the run; never written by hand.' },
);

const note = mapping(
  'note',
  {
    at: time('When the note is shown: once every event at or before this time has run (duration + settle at the latest).', { examples: ['5s'] }),
    text: text('a note', 'One or two sentences for a student: what just happened and why, what to watch next.'),
    fact: noteFact.optional(),
    question: text('a question', 'Asked at the note’s time, before the student sees what happens: predict, then watch.').optional(),
    choices: list(text('a choice', 'One answer the student can pick.'), 'a list of choices', 'a list of two or more choices', { min: 2 }).optional(),
    answer: noteAnswer.optional(),
  },
  { description: 'A line of narration: shown by the terminal UI at its moment (pausing the run) and printed in the text report\'s event log.' },
);

const nodeName = name('a node name', 'A node name.');

export const scenarioSchema = mapping(
  'scenario',
  {
    name: text('a scenario name', 'Required: the scenario name, shown in reports.'),
    description: text('a description', "What happens in the run with the scenario's own seed; shown in the text report.").optional(),
    seed: wholeNumber('a seed', 0, Number.MAX_SAFE_INTEGER, 'Seeds every random stream of the run; --seed overrides it.').default(1),
    duration: time('Required: simulated time of the scripted part.', { positive: true, examples: ['20s'] }),
    settle: time('After duration every fault is healed (no loss, no duplication), crashed nodes restarted, clients stopped, and the system gets this long to converge.', {
      positive: true,
    }).default('5s'),
    stragglers: list(nodeName, 'a list of node names', 'a list of node names such as [n1]', {
      description:
        'Nodes the liveness phase does not repair: settle leaves them crashed or paused if they are, and a straggler still up hears no one while every node hears it (an asymmetric partition); convergence is judged among the others. At most a minority.',
    }).default([]),
    nodes: z
      .union(
        [
          wholeNumber('a node count', 1, NODES_MAX, 'How many nodes, named n1..nN.'),
          list(nodeName, 'a list of node names', 'a list of names such as [a, b, c]', { min: 1 }).max(NODES_MAX, {
            error: `too many nodes; expected at most ${NODES_MAX}`,
          }),
        ],
        { error: (iss) => nodesMessage(iss.input) },
      )
      .meta({ description: 'A count N (nodes n1..nN) or a list of names.' }),
    network: network.prefault({}),
    models: list(model, 'a list of models', 'a list with at least one model, e.g. [{kind: raft}]', {
      min: 1,
      description: 'Required: the models to run, each under the same fault script and seed.',
    }),
    workload: workload.prefault({}),
    faults: list(fault, 'a list of faults', 'a list of faults, each with at and one action', {
      description: 'The fault script, applied at each item\'s at; equal times in file order.',
    }).default([]),
    notes: list(note, 'a list of notes', 'a list of notes, each with at and text', {
      description: 'The narration: each note is shown at its time, in time order (equal times in file order).',
    }).default([]),
    expect: z
      .record(z.string(), expectFieldsSchema, {
        error: (iss) => `${Array.isArray(iss.input) ? 'a list' : JSON.stringify(iss.input)} is not an expect mapping; expected a mapping of model name to {field: value}`,
      })
      .optional()
      .meta({ description: 'Checked after the run, keyed by model name: summary field → literal or comparison string.' }),
  },
  { description: 'A raftsim scenario: nodes, models, workload and a fault script (docs/scenario-format.md).' },
);

function nodesMessage(input: unknown): string {
  const expected = `expected a count from 1 to ${NODES_MAX} or a list of names such as [a, b, c]`;
  if (input === undefined) return `missing required key "nodes" in scenario; ${expected}`;
  const shown = input === null ? 'an empty value' : typeof input === 'string' ? JSON.stringify(input) : typeof input === 'object' ? 'a mapping' : String(input);
  return `${shown} is not a node count or list; ${expected}`;
}

/** The document after validation, with defaults filled in. */
export type ScenarioDocument = z.output<typeof scenarioSchema>;
export type ModelDocument = ScenarioDocument['models'][number];
export type FaultDocument = ScenarioDocument['faults'][number];
export type NoteDocument = ScenarioDocument['notes'][number];
