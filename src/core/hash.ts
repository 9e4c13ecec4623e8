/**
 * An incremental 64-bit hash (two independent 32-bit FNV-1a-style lanes) fed
 * with integers, so that a trace is hashed from its events' fields without
 * formatting any text.
 */
export class Hash64 {
  private a = 0x811c9dc5 | 0;
  private b = 0x01000193 ^ 0x5bd1e995;

  /** Mixes in a number. Integers up to 2^53 and non-integers both hash exactly. */
  addNumber(value: number): void {
    if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) {
      this.addInt32(value);
      return;
    }
    const lo = value % 0x100000000 | 0;
    const hi = Math.floor(value / 0x100000000) | 0;
    this.addInt32(lo);
    this.addInt32(hi);
    if (!Number.isInteger(value)) this.addInt32(Math.round((value - Math.trunc(value)) * 1e9));
  }

  addInt32(value: number): void {
    this.a = Math.imul(this.a ^ value, 0x01000193);
    this.a ^= this.a >>> 15;
    this.b = Math.imul(this.b ^ value, 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }

  addString(text: string): void {
    this.addInt32(text.length);
    for (let i = 0; i < text.length; i++) this.addInt32(text.charCodeAt(i));
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}
