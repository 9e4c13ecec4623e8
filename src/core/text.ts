/**
 * Text from the user's files (a scenario's name or description, a key in a
 * history, a piece of a binary file quoted in an error) printed on a
 * terminal: control characters are escaped so that they cannot move the
 * cursor, change colours or hide text, and one message stays one short line.
 */

/**
 * C0 controls and DEL, C1 controls, the line and paragraph separators, and the
 * bidirectional overrides and isolates (which can make a terminal show text in
 * another order than it is).
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;
const UNPRINTABLE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Longest message, in characters, that an error line quotes before cutting it with `…`. */
export const MESSAGE_CHARS_MAX = 300;

/**
 * `text` with every unprintable character escaped (`\x1b`, `\n`, `\u202e`),
 * cut to at most `max` characters (the escapes counted) with a trailing `…`.
 */
export function printable(text: string, max = Infinity): string {
  const escaped = text.replace(UNPRINTABLE, escape);
  if (escaped.length <= max) return escaped;
  // Cut on a code point, not inside a surrogate pair.
  const cut = escaped.slice(0, max - 1);
  return (/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut) + '…';
}

/** Like `printable`, for text of several lines: newlines and tabs are kept, every other unprintable character escaped. */
export function printableLines(text: string): string {
  return text.replace(UNPRINTABLE_KEEPING_LINES, escape);
}

/**
 * Why `bytes` are not text a user could have written, or null when they are:
 * a NUL byte (a binary file) or bytes that are not UTF-8.
 */
export function notText(bytes: Uint8Array): string | null {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `it is a binary file (a NUL byte at offset ${nul}), not text`;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'it is not UTF-8 text';
  }
  return null;
}
