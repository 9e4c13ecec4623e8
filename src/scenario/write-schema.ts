/**
 * `npm run schema`: writes schema/scenario.schema.json from the zod schema.
 * With `--check`, writes nothing and exits 1 if the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCHEMA_PATH, scenarioJsonSchemaText } from './json-schema.ts';

const target = fileURLToPath(new URL(`../../${SCHEMA_PATH}`, import.meta.url));
const text = scenarioJsonSchemaText();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== text) {
    process.stderr.write(`${SCHEMA_PATH} is out of date; run npm run schema\n`);
    process.exit(1);
  }
  process.stdout.write(`${SCHEMA_PATH} is up to date\n`);
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
