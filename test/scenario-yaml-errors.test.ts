import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { parseScenario } from '../src/scenario/load.ts';

const HEAD = 'name: x\nduration: 5s\nnodes: 3\nmodels: [{kind: raft}]\n';

function message(text: string): string {
  try {
    parseScenario(text, 's.yaml');
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n');
    throw error;
  }
  throw new Error('no error');
}

describe('a YAML syntax error says where, what is wrong and what was expected, in the user\'s terms (not the parser\'s API)', () => {
  it.each([
    ['a key given twice', `${HEAD}name: y\n`, '5:1: invalid YAML: the key "name" appears twice in this mapping; expected each key once'],
    ['a quoted key given twice, nested', 'name: x\nduration: 5s\nnodes: 3\nmodels:\n  - kind: raft\n    heartbeat: 50ms\n    "heartbeat": 60ms\n', '7:5: invalid YAML: the key "heartbeat" appears twice in this mapping; expected each key once'],
    ['a second document', `${HEAD}---\nname: z\n`, '5:1: invalid YAML: a second YAML document begins here (after a --- line); expected one scenario per file'],
    ['a tab as indentation', `${HEAD}network:\n\tlatency: 5ms\n`, '6:1: invalid YAML: a tab is used to indent; expected spaces (YAML does not allow tabs as indentation)'],
    ['a list on its key\'s line', 'name: x\nmodels: - kind: raft\n', '2:9: invalid YAML: Unexpected block-seq-ind on same line with key; expected a list to begin on the line after its key, indented (models:, then   - kind: raft), or in brackets ([a, b])'],
    ['an unclosed quote', 'name: "x\n', '2:1: invalid YAML: Missing closing "quote; expected a closing " for the quoted value'],
    ['a line without a colon', 'name: x\nfoo bar\nnodes: 3\n', '2:1: invalid YAML: Implicit keys need to be on a single line; expected KEY: VALUE on one line (is a colon missing, or a line indented too far?)'],
    ['an unquoted colon in a value', `${HEAD}description: foo: bar\n`, '5:14: invalid YAML: Nested mappings are not allowed in compact mappings; expected one KEY: VALUE per line (is a line indented too far, or a value holding ": " unquoted?)'],
  ])('%s', (_, text, expected) => {
    const got = message(text);
    expect(got.split('\n')[0]!.replace(/ \(and \d+ more YAML errors? after it\)$/, '')).toBe(expected);
    expect(got).not.toMatch(/parseAllDocuments|YAML\.\w+\(/);
  });
});
