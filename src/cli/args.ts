import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs`, strict, with its errors turned into a `UsageError` (exit
 * 2, no stack trace). A value that begins with a dash and a digit
 * (`--seed -1`, `--until -1s`) is taken as the option's value, so that the
 * option's own check says what is wrong with it; an option followed by
 * another option (`--seed --json`) is told it needs a value.
 */
export function parse<O extends Options>(args: readonly string[], options: O, command: string) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const option = arg.startsWith('--') && !arg.includes('=') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-') {
      if (/^-[\d.]/.test(next)) {
        joined.push(`${arg}=${next}`);
        i++;
        continue;
      }
      throw new UsageError(`${command}: ${arg} needs a value, got the option ${next}; see 'raftsim ${command} --help'`);
    }
    joined.push(arg);
  }
  for (const arg of joined) {
    if (arg === '--') break;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : null;
    if (name !== null && name !== '' && !Object.hasOwn(options, name)) throw new UsageError(`${command}: unknown option --${name}; ${expectedOptions(name, options)}`);
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(`${command}: ${message}; see 'raftsim ${command} --help'`);
  }
}

export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed: "${text}" is not a seed; expected a whole number such as 1 or 42`);
  }
  return Number(text);
}

/** `expected one of --a, --b, …`, led by the nearest name when one is a typo away (`--seeds` for `--seed`). */
function expectedOptions(name: string, options: Options): string {
  const names = Object.keys(options);
  const near = names.filter((n) => editDistance(n, name) <= Math.max(1, Math.floor(n.length / 4)));
  const all = `expected one of: ${names.map((n) => `--${n}`).join(', ')}`;
  return near.length === 0 ? all : `did you mean ${near.map((n) => `--${n}`).join(' or ')}? ${all}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}
