import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, scenarioJsonSchema, scenarioJsonSchemaText } from '../src/scenario/json-schema.ts';
import { FAULT_ACTION_NAMES } from '../src/scenario/fault-actions.ts';

describe('schema/scenario.schema.json', () => {
  it('is what the zod schema generates now (if not: run npm run schema and commit the file)', () => {
    const committed = readFileSync(SCHEMA_PATH, 'utf8');
    expect(committed, `${SCHEMA_PATH} is out of date: run \`npm run schema\` and commit it`).toBe(scenarioJsonSchemaText());
  });

  it('every pattern is a regular expression an editor can compile (ECMA-262, unicode mode)', () => {
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.push(value);
          else walk(value);
        }
      }
    };
    walk(scenarioJsonSchema());
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u')).not.toThrow();
  });

  it('times are strings with a pattern or numbers of milliseconds, and say so', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { anyOf?: { type: string; pattern?: string }[]; description?: string }> };
    const duration = schema.properties['duration']!;
    expect(duration.anyOf?.map((branch) => branch.type)).toEqual(['number', 'string']);
    const pattern = new RegExp(duration.anyOf![1]!.pattern!, 'u');
    for (const ok of ['500us', '150ms', '2s', '1.5s', '1m', '10h', '250']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['5 seconds', '1d', '-1s', '1.s']) expect(pattern.test(bad), bad).toBe(false);
    expect(duration.description).toMatch(/500us, 150ms, 2s, 1\.5s, 1m, 10h or a number of milliseconds/);
  });

  it('mappings are closed, so an editor flags unknown keys; a fault lists every action', () => {
    const schema = scenarioJsonSchema() as {
      additionalProperties: unknown;
      required: string[];
      properties: { faults: { items: { additionalProperties: unknown; properties: Record<string, unknown> } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'duration', 'nodes', 'models']);
    expect(schema.properties.faults.items.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.faults.items.properties)).toEqual(['at', ...FAULT_ACTION_NAMES]);
  });
});
