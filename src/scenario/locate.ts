/**
 * From a path in the document (`['faults', 3, 'partition']`) to the line and
 * column of the YAML node it names, so every message points at the offending
 * value. A path that runs past what the file holds (a missing key) stops at
 * the deepest mapping or list it reached: that is where the key belongs.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { PathSeg } from './fields.ts';

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

interface Ranged {
  readonly range?: readonly [number, number, number] | null;
}

export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** The position of the value at `path`, or of its key with `onKey`; for a missing step, the parent's position. */
  at(path: readonly PathSeg[], onKey = false): Position {
    let node: unknown = this.resolve(this.doc.contents);
    let position = this.start(node) ?? { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(seg));
        if (pair === undefined) return position;
        if (onKey && last) return this.start(pair.key) ?? position;
        // `key:` with nothing after it may have no value node; point at the key then.
        position = this.start(pair.value) ?? this.start(pair.key) ?? position;
        node = this.resolve(pair.value);
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: unknown = node.items[seg];
        if (item === undefined) return position;
        position = this.start(item) ?? position;
        node = this.resolve(item);
      } else {
        return position;
      }
    }
    return position;
  }

  /** The position of a character offset in the text. */
  offset(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col };
  }

  private start(node: unknown): Position | null {
    if (node === null || typeof node !== 'object') return null;
    const range = (node as Ranged).range;
    if (range === undefined || range === null) return null;
    return this.offset(range[0]);
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}
