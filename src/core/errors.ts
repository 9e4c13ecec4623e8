/**
 * Errors a user can cause: a bad file or a bad flag. They carry a location and
 * are printed as `FILE:LINE:COL: message` with exit code 2, never a stack trace.
 */
export interface Diagnostic {
  readonly file: string;
  /** 1-based; 0 when the problem is with the file as a whole. */
  readonly line: number;
  /** 1-based; 0 when the problem is with the file or line as a whole. */
  readonly col: number;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  if (d.line <= 0) return `${d.file}: ${d.message}`;
  if (d.col <= 0) return `${d.file}:${d.line}: ${d.message}`;
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/**
 * The bundled command line (dist/raftsim.cjs) and the terminal UI it loads
 * (dist/tui.mjs) each carry a copy of this module: an error thrown by one copy
 * is recognised by the other's `instanceof` through a brand, not its class.
 */
const INPUT_ERROR = Symbol.for('raftsim.InputError');
const USAGE_ERROR = Symbol.for('raftsim.UsageError');

function branded(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** One or more located problems with user input. */
export class InputError extends Error {
  override name = 'InputError';
  readonly [INPUT_ERROR] = true;
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.diagnostics = diagnostics;
  }

  static at(file: string, line: number, col: number, message: string): InputError {
    return new InputError([{ file, line, col, message }]);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, INPUT_ERROR);
  }
}

/** A bad command line: printed as `raftsim: message` with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly [USAGE_ERROR] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, USAGE_ERROR);
  }
}
