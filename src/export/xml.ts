/**
 * XML and SVG text, escaped. Characters XML 1.0 cannot hold at all (the C0
 * controls other than tab, newline and carriage return, and lone
 * surrogates) are written as the visible text `\xNN` / `\uNNNN`.
 */
export function xmlText(s: string): string {
  return s.replace(/[&<>]|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, escape);
}

/** An attribute value (for double quotes): also `"`, and newlines and tabs kept as such through `&#10;` / `&#9;`. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/["\n\r\t]/g, (c) => (c === '"' ? '&quot;' : `&#${c.charCodeAt(0)};`));
}

function escape(c: string): string {
  if (c === '&') return '&amp;';
  if (c === '<') return '&lt;';
  if (c === '>') return '&gt;';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
