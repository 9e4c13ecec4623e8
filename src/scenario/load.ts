/**
 * YAML text → validated `Scenario` (types.ts), or an `InputError` that lists
 * every problem found, each at the file, line and column of the offending
 * value, saying what is wrong and what was expected.
 *
 * Three passes, each reporting everything it finds before giving up (except
 * the first, which cannot tell a real error from the noise after one):
 * 1. YAML syntax (the yaml library's first error and its position, with a
 *    count of the rest); a binary file is refused before it;
 * 2. the schema (schema.ts: shapes, types, formats, unknown keys, defaults);
 * 3. checks across the document (node names, partitions, `at` within
 *    `duration`, expect keyed by a model, ...), which need a well-formed
 *    document and so run only when the schema passed.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError, type Diagnostic } from '../core/errors.ts';
import { MESSAGE_CHARS_MAX, notText, printable } from '../core/text.ts';
import { EXPECT_FIELDS, parseComparison, type ExpectField } from './expect.ts';
import { actionDef, FAULT_ACTION_NAMES, RESERVED_NODE_NAMES, ROLE_WORDS, type FaultActionName, type NodeRef } from './fault-actions.ts';
import { choices, show, toUs, toUsRange, type PathSeg, type Problem } from './fields.ts';
import { Locator } from './locate.ts';
import { convertOptions } from './model-options.ts';
import { kindOf } from '../run/registry.ts';
import { scenarioSchema, type FaultDocument, type ModelDocument, type NoteDocument, type ScenarioDocument } from './schema.ts';
import { NOBODY, type Expectation, type FaultSpec, type ModelSpec, type NoteFact, type NoteQuestion, type Scenario, type ScenarioNote } from './types.ts';

/** A scenario file is a page or two of YAML; anything this big is a wrong path, not a scenario. */
export const FILE_BYTES_MAX = 1024 * 1024;
/** Expansions of YAML aliases: a few nested anchors could otherwise make a small file take all memory. */
const ALIAS_COUNT_MAX = 100;

/** Reads and validates the scenario at `path`. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > FILE_BYTES_MAX) {
      throw InputError.at(path, 0, 0, `the file is ${bytes.length} bytes; expected a scenario of at most ${FILE_BYTES_MAX} bytes`);
    }
    const why = notText(bytes);
    if (why !== null) throw InputError.at(path, 0, 0, `not a scenario: ${why}; expected a YAML scenario file`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw InputError.at(path, 0, 0, `cannot read the scenario: ${readFailure(error)}; expected a YAML scenario file`);
  }
  return parseScenario(text, path);
}

/** Validates scenario YAML `text`; `file` names it in messages and in `Scenario.file`. */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator = new Locator(doc, lineCounter);

  if (doc.errors.length > 0) {
    // After the first syntax error the parser is lost: what it reports next is mostly noise (a text file that is
    // not YAML at all gives one error per line), so only the first is shown, with a count of the rest.
    const [first, ...rest] = sortDiagnostics(
      doc.errors.map((error) => {
        const { line, col } = locator.offset(error.pos[0]);
        return { file, line, col, message: `invalid YAML: ${yamlMessage(error, text)}` };
      }),
    );
    const more = rest.length === 0 ? '' : ` (and ${rest.length} more YAML ${rest.length === 1 ? 'error' : 'errors'} after it)`;
    throw new InputError([{ ...first!, message: printable(first!.message, MESSAGE_CHARS_MAX) + more }]);
  }
  if (doc.contents === null) {
    throw InputError.at(file, 1, 1, 'the scenario is empty; expected a mapping with at least name, duration, nodes and models');
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: ALIAS_COUNT_MAX });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias count/i.test(message)) {
      throw InputError.at(file, 0, 0, `its aliases (*name) expand too far; expected at most ${ALIAS_COUNT_MAX} expansions of an alias (a scenario needs few or none)`);
    }
    throw InputError.at(file, 0, 0, `cannot read the YAML: ${message}`);
  }

  const parsed = scenarioSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw errorAt(file, locator, parsed.error.issues.flatMap((issue) => issueProblems(issue, [])));
  }
  const problems = checkDocument(parsed.data, data);
  if (problems.length > 0) throw errorAt(file, locator, problems);
  return toScenario(parsed.data, data, file, locator);
}

// ---------------------------------------------------------------- diagnostics

/**
 * The YAML parser's message, said in the user's terms where the parser's
 * own words name its API or leave out what was expected.
 */
function yamlMessage(error: { readonly code: string; readonly message: string; readonly pos: readonly [number, number] }, text: string): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'a second YAML document begins here (after a --- line); expected one scenario per file';
    case 'DUPLICATE_KEY': {
      const line = text.slice(error.pos[0]).split('\n')[0]!;
      const key = (/^(.*?)\s*:(?:\s|$)/.exec(line)?.[1] ?? line).replace(/^(["'])(.*)\1$/, '$2');
      return `the key ${JSON.stringify(key)} appears twice in this mapping; expected each key once`;
    }
    case 'TAB_AS_INDENT':
      return 'a tab is used to indent; expected spaces (YAML does not allow tabs as indentation)';
    default: {
      const hint = /closing "quote/.test(error.message)
        ? 'a closing " for the quoted value'
        : /closing 'quote/.test(error.message)
          ? "a closing ' for the quoted value"
          : /without - indicator/.test(error.message)
            ? 'each item of a list to begin with "- ", aligned with the others'
            : YAML_EXPECTED[error.code];
      return hint === undefined || /\bexpected\b|\bmust\b/i.test(error.message) ? error.message : `${error.message}; expected ${hint}`;
    }
  }
}

/** What was expected, for the parser's messages that do not say. */
const YAML_EXPECTED: Readonly<Record<string, string>> = {
  UNEXPECTED_TOKEN: 'a list to begin on the line after its key, indented (models:, then   - kind: raft), or in brackets ([a, b])',
  MULTILINE_IMPLICIT_KEY: 'KEY: VALUE on one line (is a colon missing, or a line indented too far?)',
  BLOCK_AS_IMPLICIT_KEY: 'one KEY: VALUE per line (is a line indented too far, or a value holding ": " unquoted?)',
  MISSING_CHAR: 'KEY: VALUE',
  BAD_INDENT: 'each line indented as far as the others of its mapping or list',
  BAD_SCALAR_START: 'a value that does not begin with a reserved character (quote it)',
  UNEXPECTED_SCALAR: 'KEY: VALUE, or a value quoted',
};

function errorAt(file: string, locator: Locator, problems: readonly Problem[]): InputError {
  const diagnostics = problems.map((p): Diagnostic => ({ file, ...locator.at(p.path, p.onKey === true), message: p.message }));
  return new InputError(sortDiagnostics(diagnostics));
}

/** In file order, each distinct diagnostic once. */
function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => a.line - b.line || a.col - b.col);
}

/**
 * One zod issue → problems at paths. Several unknown keys in one mapping are
 * one issue with one message line per key; a union whose value had the type
 * of exactly one branch reports that branch's issues (so `nodes: [a, 1]`
 * points at the `1`, not at the list).
 */
function issueProblems(issue: z.core.$ZodIssue, prefix: readonly PathSeg[]): Problem[] {
  const path = [...prefix, ...issue.path.filter((seg): seg is PathSeg => typeof seg !== 'symbol')];
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n');
    return issue.keys.map((key, i) => ({ path: [...path, key], onKey: true, message: lines[i] ?? lines[0]! }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const typed = issue.errors.filter((branch) => !branch.some((e) => e.code === 'invalid_type' && e.path.length === 0));
    if (typed.length === 1) return typed[0]!.flatMap((inner) => issueProblems(inner, path));
  }
  return [{ path, message: issue.message }];
}

function readFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- checks across the document

const RESERVED: readonly string[] = RESERVED_NODE_NAMES;

function nodeNames(nodes: ScenarioDocument['nodes']): string[] {
  return typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `n${i + 1}`) : [...nodes];
}

function modelName(model: ModelDocument): string {
  return model.name ?? model.kind;
}

function faultAction(fault: FaultDocument): FaultActionName {
  const name = FAULT_ACTION_NAMES.find((key) => fault[key] !== undefined);
  if (name === undefined) throw new Error('validated fault has no action');
  return name;
}

/** The value at `path` in the document as read (before defaults), or undefined. */
function rawAt(data: unknown, path: readonly PathSeg[]): unknown {
  let value = data;
  for (const seg of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathSeg, unknown>)[seg];
  }
  return value;
}

function checkDocument(doc: ScenarioDocument, data: unknown): Problem[] {
  const problems: Problem[] = [];
  const nodes = nodeNames(doc.nodes);

  // Node names: not a reserved word, each once.
  if (Array.isArray(doc.nodes)) {
    const firstAt = new Map<string, number>();
    doc.nodes.forEach((node, i) => {
      if (RESERVED.includes(node)) {
        problems.push({
          path: ['nodes', i],
          message: `"${node}" is a reserved word (it stands for a node chosen when a fault fires); expected a node name other than ${RESERVED.join(', ')}`,
        });
      } else if (firstAt.has(node)) {
        problems.push({ path: ['nodes', i], message: `node "${node}" is listed twice; expected unique node names` });
      } else {
        firstAt.set(node, i);
      }
    });
  }

  // Stragglers: known nodes, each once, a minority (the others must be able to converge).
  const stragglersMax = Math.floor((nodes.length - 1) / 2);
  doc.stragglers.forEach((node, i) => {
    if (!nodes.includes(node)) problems.push({ path: ['stragglers', i], message: `unknown node "${node}" in stragglers; expected one of: ${choices(nodes)}` });
    else if (doc.stragglers.indexOf(node) !== i) problems.push({ path: ['stragglers', i], message: `"${node}" is already a straggler; expected each node once` });
  });
  if (doc.stragglers.length > stragglersMax) {
    problems.push({
      path: ['stragglers'],
      message: `${doc.stragglers.length} stragglers of ${nodes.length} nodes; expected a minority (at most ${stragglersMax}), so that the others can elect a leader and converge`,
    });
  }

  // Model names: unique (a name defaults to the kind).
  const modelIndex = new Map<string, number>();
  doc.models.forEach((model, i) => {
    const name = modelName(model);
    const first = modelIndex.get(name);
    if (first !== undefined) {
      problems.push({
        path: ['models', i, model.name === undefined ? 'kind' : 'name'],
        message: `model name "${name}" is already used by model ${first + 1}; expected unique model names (give this model a name:)`,
      });
    } else {
      modelIndex.set(name, i);
    }
    // The kind's own checks (node names in its options, its options against the node count).
    const check = kindOf(model.kind).check;
    if (check !== undefined) {
      const written = (path: readonly PathSeg[]) => rawAt(data, ['models', i, ...path]);
      for (const p of check(model as never, { nodes, written })) problems.push({ ...p, path: ['models', i, ...p.path] });
    }
  });

  // Workload: reads + cas <= 1 (up to rounding).
  const { reads, cas } = doc.workload;
  if (reads + cas > 1 + 1e-9) {
    const explicitCas = rawAt(data, ['workload', 'cas']) !== undefined;
    problems.push({
      path: ['workload', explicitCas ? 'cas' : 'reads'],
      message: `reads ${reads} + cas ${cas} is more than 1; expected fractions that add up to at most 1 (the rest are writes)`,
    });
  }

  // Faults: `at` within the scripted part; node names exist; the action's own checks.
  const durationUs = toUs(doc.duration);
  doc.faults.forEach((fault, i) => {
    if (toUs(fault.at) > durationUs) {
      problems.push({
        path: ['faults', i, 'at'],
        message: `${show(rawAt(data, ['faults', i, 'at']))} is after the end of the scripted part; expected a time from 0 to the duration (${show(rawAt(data, ['duration']))})`,
      });
    }
    const action = faultAction(fault);
    const def = actionDef(action);
    const value: unknown = fault[action];
    const refProblems = def.nodeRefs(value).flatMap((ref) => checkNodeRef(ref, nodes, action));
    for (const p of refProblems) problems.push({ ...p, path: ['faults', i, action, ...p.path] });
    if (refProblems.length === 0 && def.check !== undefined) {
      for (const p of def.check(value, nodes)) problems.push({ ...p, path: ['faults', i, action, ...p.path] });
    }
  });

  // Notes: `at` within the run (duration + settle); text with something to show.
  const endUs = durationUs + toUs(doc.settle);
  doc.notes.forEach((note, i) => {
    if (toUs(note.at) > endUs) {
      problems.push({
        path: ['notes', i, 'at'],
        message: `${show(rawAt(data, ['notes', i, 'at']))} is after the end of the run; expected a time from 0 to duration + settle (${show(rawAt(data, ['duration']))} + ${show(rawAt(data, ['settle']) ?? '5s')})`,
      });
    }
    if (noteText(note.text) === '') {
      problems.push({ path: ['notes', i, 'text'], message: `${show(note.text)} is only whitespace; expected the note's text (a sentence or two)` });
    }
    // Facts and questions name models and nodes of this scenario; a question has choices and a computed answer.
    for (const [key, m] of [['fact', note.fact?.model], ['answer', note.answer?.model]] as const) {
      if (m !== undefined && !modelIndex.has(m)) problems.push({ path: ['notes', i, key, 'model'], message: `unknown model "${m}"; expected one of: ${[...modelIndex.keys()].join(', ')}` });
    }
    if (note.fact?.leader !== undefined && note.fact.leader !== 'none' && !nodes.includes(note.fact.leader)) problems.push({ path: ['notes', i, 'fact', 'leader'], message: `unknown node "${note.fact.leader}"; expected one of: ${choices(nodes)}` });
    if (note.fact !== undefined && Object.keys(note.fact).filter((k) => k !== 'model').length === 0) problems.push({ path: ['notes', i, 'fact'], message: 'a fact with nothing to check; expected leader (and term) or summary figures' });
    note.fact?.votes?.forEach((v, k) => {
      if (!nodes.includes(v)) problems.push({ path: ['notes', i, 'fact', 'votes', k], message: `unknown node "${v}"; expected one of: ${choices(nodes)}` });
    });
    if (note.fact?.stoodFirst !== undefined && (note.fact.leader === undefined || note.fact.leader === 'none')) problems.push({ path: ['notes', i, 'fact', 'stoodFirst'], message: 'stoodFirst goes with leader; expected leader too' });
    if (note.fact?.votes !== undefined && (note.fact.leader === undefined || note.fact.leader === 'none')) problems.push({ path: ['notes', i, 'fact', 'votes'], message: 'votes goes with leader; expected leader too' });
    if (note.fact?.since !== undefined && (note.fact.leader === undefined || note.fact.leader === 'none')) problems.push({ path: ['notes', i, 'fact', 'since'], message: 'since goes with leader; expected leader too' });
    if (note.fact?.term !== undefined && (note.fact.leader === undefined || note.fact.leader === 'none')) problems.push({ path: ['notes', i, 'fact', 'term'], message: 'term goes with leader; expected leader too' });
    const asks = note.question !== undefined || note.choices !== undefined || note.answer !== undefined;
    if (asks) {
      if (note.question === undefined) problems.push({ path: ['notes', i], message: 'choices and answer go with a question; expected question too' });
      if (note.choices === undefined) problems.push({ path: ['notes', i], message: 'a question needs choices; expected choices: [A, B, ...]' });
      if (note.answer === undefined) problems.push({ path: ['notes', i], message: 'a question needs an answer computed from the run; expected answer: { nextLeader: true } or { figure: NAME }' });
      const a = note.answer;
      if (a !== undefined && (a.nextLeader === undefined) === (a.figure === undefined)) problems.push({ path: ['notes', i, 'answer'], message: 'expected exactly one of nextLeader, figure' });
      if (a?.nextLeader === true) note.choices?.forEach((c, k) => {
        if (!nodes.includes(c) && c !== NOBODY) problems.push({ path: ['notes', i, 'choices', k], message: `"${c}" is not a node; the answer is the next leader, so expected node names: ${choices(nodes)}, or ${NOBODY} (no node takes office after the note)` });
      });
      if (a?.figure !== undefined) note.choices?.forEach((c, k) => {
        if (!/^\s*(==|!=|>=|<=|>|<)?\s*-?\d+(\.\d+)?\s*$/.test(c) && !/^(true|false|null)$/.test(c)) problems.push({ path: ['notes', i, 'choices', k], message: `"${c}" is not a comparison; expected choices such as "0", ">0", ">=10", true or false` });
      });
    }
  });

  // Expect: keyed by a model of this scenario.
  for (const model of Object.keys(doc.expect ?? {})) {
    if (!modelIndex.has(model)) {
      problems.push({
        path: ['expect', model],
        onKey: true,
        message: `expect names model "${model}" which is not in models; expected one of: ${[...modelIndex.keys()].join(', ')}`,
      });
    }
  }
  return problems;
}

/** Half the last written digit of a time, in µs: `2.173s` → 500 µs, `2.2s` → 50 ms, `150ms` → 500 µs. */
function toleranceOf(written: string | number): number {
  const text = String(written);
  const m = /^(\d+)(?:\.(\d+))?\s*(us|ms|s|m|h)?$/.exec(text.trim());
  if (m === null) return 0;
  const unitUs = toUs(`1${m[3] ?? 'ms'}`);
  return Math.round((unitUs / 10 ** (m[2]?.length ?? 0)) / 2);
}

/** A note's fact and question, converted (validated above). */
function noteChecks(note: NoteDocument, firstModel: string): { fact?: NoteFact; question?: NoteQuestion } {
  const out: { fact?: NoteFact; question?: NoteQuestion } = {};
  if (note.fact !== undefined) {
    const { model, leader, term, since, votes, stoodFirst, ...figures } = note.fact;
    const m = model ?? firstModel;
    out.fact = {
      model: m,
      ...(leader !== undefined ? { leader } : {}),
      ...(term !== undefined ? { term } : {}),
      ...(votes !== undefined ? { votes } : {}),
      ...(stoodFirst === true ? { stoodFirst } : {}),
      ...(since !== undefined ? { since: { atUs: toUs(since), toleranceUs: toleranceOf(since), written: String(since) } } : {}),
      figures: Object.entries(figures)
        .filter(([, v]) => v !== undefined)
        .map(([field, v]) => ({ model: m, field, ...parseComparison(v as number | string | boolean | null), line: 0, col: 0 })),
    };
  }
  if (note.question !== undefined && note.choices !== undefined && note.answer !== undefined) {
    const a = note.answer;
    out.question = {
      text: noteText(note.question),
      choices: note.choices.map((c) => noteText(c)),
      model: a.model ?? firstModel,
      answer: a.nextLeader === true ? { kind: 'nextLeader' } : { kind: 'figure', field: a.figure! },
    };
  }
  return out;
}

/**
 * Why a fault's action, its value as a file writes it, is not valid in a
 * scenario of `nodes` (the same checks as loading a file); empty when it is.
 * For faults made outside a file: those injected by hand during a run.
 */
export function faultActionProblems(action: FaultActionName, value: unknown, nodes: readonly string[]): string[] {
  const def = actionDef(action);
  const parsed = def.schema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((issue) => issue.message);
  const refProblems = def.nodeRefs(parsed.data).flatMap((ref) => checkNodeRef(ref, nodes, action));
  if (refProblems.length > 0) return refProblems.map((p) => p.message);
  return (def.check?.(parsed.data, nodes) ?? []).map((p) => p.message);
}

function checkNodeRef(ref: NodeRef, nodes: readonly string[], action: FaultActionName): Problem[] {
  if (nodes.includes(ref.name)) return [];
  const words = ROLE_WORDS[ref.role];
  if (words.includes(ref.name)) return [];
  const expected = `expected one of: ${choices([...nodes, ...words])}`;
  const where =
    ref.name === 'all'
      ? 'only restart takes all'
      : ref.name === 'follower' || ref.name === 'rest'
        ? 'it can only appear inside partition groups'
        : RESERVED.includes(ref.name)
          ? `${action} does not take it`
          : null;
  const message = where === null ? `unknown node "${ref.name}" in ${action}; ${expected}` : `"${ref.name}" is not allowed here: ${where}; ${expected}`;
  return [{ path: ref.path, message }];
}

// ---------------------------------------------------------------- conversion

/** The model's spec: its kind, its name, and its options converted by its kind's table (run/registry.ts). */
function toModelSpec(model: ModelDocument): ModelSpec {
  return { kind: model.kind, name: modelName(model), ...(convertOptions(kindOf(model.kind).options, model as never) as object) } as ModelSpec;
}

function toScenario(doc: ScenarioDocument, data: unknown, file: string, locator: Locator): Scenario {
  const latency = toUsRange(doc.network.latency);
  const faults = doc.faults.map((fault, i): FaultSpec => {
    const action = faultAction(fault);
    return { ...actionDef(action).toAction(fault[action]), atUs: toUs(fault.at), ...locator.at(['faults', i]) };
  });

  // Notes in time order, equal times in file order (the sort is stable).
  const notes = doc.notes
    .map((note, i): ScenarioNote => ({ atUs: toUs(note.at), text: noteText(note.text), ...noteChecks(note, modelName(doc.models[0]!)), ...locator.at(['notes', i]) }))
    .sort((a, b) => a.atUs - b.atUs);

  // Expectations in file order: the document as read keeps its key order.
  const expect: Expectation[] = [];
  for (const model of Object.keys((rawAt(data, ['expect']) ?? {}) as object)) {
    const fields = doc.expect?.[model];
    if (fields === undefined) continue;
    for (const field of Object.keys((rawAt(data, ['expect', model]) ?? {}) as object)) {
      if (!(field in EXPECT_FIELDS)) continue;
      const value = fields[field as ExpectField];
      if (value === undefined) continue;
      expect.push({ model, field, ...parseComparison(value), ...locator.at(['expect', model, field]) });
    }
  }

  return {
    file,
    name: doc.name,
    description: (doc.description ?? '').trimEnd(),
    seed: doc.seed,
    durationUs: toUs(doc.duration),
    settleUs: toUs(doc.settle),
    stragglers: doc.stragglers,
    nodes: nodeNames(doc.nodes),
    network: { latencyUsMin: latency.minUs, latencyUsMax: latency.maxUs, drop: doc.network.drop, duplicate: doc.network.duplicate },
    models: doc.models.map(toModelSpec),
    workload: {
      clients: doc.workload.clients,
      intervalUs: toUs(doc.workload.interval),
      timeoutUs: toUs(doc.workload.timeout),
      keys: doc.workload.keys,
      reads: doc.workload.reads,
      cas: doc.workload.cas,
    },
    faults,
    notes,
    expect,
  };
}

/** A note's text as one line: every run of whitespace (a YAML block's line breaks) one space, none at the ends. */
function noteText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
