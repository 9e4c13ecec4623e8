/**
 * A strict reader of the XML our exports write (no DTD, no namespaces
 * beyond names with colons, no processing instructions except the
 * declaration): elements, attributes, text and the five entities and
 * numeric references. Anything else, or a tag not closed as opened, throws
 * with the offset, so a test fails on XML a CI system's parser would refuse.
 */

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** The text directly inside, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function decode(s: string, at: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);|&/g, (m, e: string | undefined) => {
    if (e === undefined) throw new Error(`XML: a bare & at ${at}`);
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e]!;
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`XML: ${what} at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) fail('an unclosed declaration');
    if (!/^<\?xml version="1\.0" encoding="UTF-8"\?>$/.test(text.slice(0, end + 2))) fail('a declaration other than version 1.0, UTF-8');
    i = end + 2;
  }
  // eslint-disable-next-line no-control-regex
  const bad = /[\x00-\x08\x0b\x0c\x0e-\x1f]/.exec(text);
  if (bad !== null) {
    i = bad.index;
    fail('a character XML 1.0 does not allow');
  }
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const element = (): XmlElement => {
    if (text[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(text.slice(i))?.[0] ?? fail('expected an element name');
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      space();
      if (text.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      const attr = NAME.exec(text.slice(i))?.[0] ?? fail('expected an attribute name');
      i += attr.length;
      if (text[i] !== '=' || text[i + 1] !== '"') fail('expected ="');
      i += 2;
      const end = text.indexOf('"', i);
      if (end < 0) fail('an unclosed attribute');
      const raw = text.slice(i, end);
      if (raw.includes('<')) fail('< in an attribute');
      if (attr in attrs) fail(`attribute ${attr} twice`);
      attrs[attr] = decode(raw, i);
      i = end + 1;
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) fail(`an unclosed <${name}>`);
      el.text += decode(text.slice(i, lt), i);
      i = lt;
      if (text.startsWith('</', i)) {
        i += 2;
        if (!text.startsWith(name + '>', i)) fail(`expected </${name}>`);
        i += name.length + 1;
        return el;
      }
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) fail('an unclosed comment');
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  space();
  const root = element();
  space();
  if (i !== text.length) fail('content after the root element');
  return root;
}
