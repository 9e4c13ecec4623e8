import { InputError, type Diagnostic } from '../core/errors.ts';
import { UsageError } from '../core/errors.ts';
import { printable } from '../core/text.ts';
import { loadScenario } from '../scenario/load.ts';
import { parse } from './args.ts';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIo } from './io.ts';

const VALIDATE_HELP = `Usage: raftsim validate <scenario.yaml>...

Checks scenario files without running them: YAML syntax, the schema, node
names, partitions that place every node exactly once, expect lines. Prints
FILE:LINE:COL: what is wrong, what was expected — for every problem found.

Exit codes: 0 every file is valid; 2 at least one is not.
`;

export async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } }, 'validate');
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError(`validate: expected at least one scenario file; see 'raftsim validate --help'`);
  const problems: Diagnostic[] = [];
  for (const file of positionals) {
    try {
      const scenario = loadScenario(file);
      io.out(`${printable(file)}: ok (${printable(scenario.name)}: ${scenario.nodes.length} nodes, ${scenario.models.length} model(s), ${scenario.faults.length} fault(s))\n`);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.diagnostics);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return positionals.length > 0 ? EXIT_OK : EXIT_BAD_INPUT;
}
