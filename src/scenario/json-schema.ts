/**
 * The JSON Schema of the scenario file, generated from the zod schema, so an
 * editor (yaml-language-server, via the `# yaml-language-server: $schema=...`
 * first line) completes keys and checks values. It describes the file as
 * written: times and ranges are strings with a pattern or numbers of
 * milliseconds, and omitted keys take the defaults shown.
 */
import { z } from 'zod';
import { scenarioSchema } from './schema.ts';

/** Where `npm run schema` writes it, relative to the project root. */
export const SCHEMA_PATH = 'schema/scenario.schema.json';

export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioSchema, {
    // Draft 7 is what editors' YAML and JSON language servers support best.
    target: 'draft-07',
    // The file as written: defaults make keys optional, times stay strings.
    io: 'input',
    // Refinements (A <= B in a range, reads + cas <= 1, ...) cannot be expressed; the loader checks them.
    unrepresentable: 'any',
  });
  return {
    $schema: generated['$schema'],
    title: 'raftsim scenario',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
}

/** The file's text: two-space JSON and a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
