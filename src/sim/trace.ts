import { Hash64 } from '../core/hash.ts';
import type { Us } from '../core/time.ts';
import type { Message } from '../core/protocol.ts';

/** What happened, one code per trace record type. */
export const TraceType = {
  send: 0,
  deliver: 1,
  /** Lost on the wire: link down at send, random loss. */
  lost: 2,
  /** Lost at arrival: link down then, or the receiver crashed meanwhile. */
  lostAtArrival: 3,
  timer: 4,
  clientRequest: 5,
  clientReply: 6,
  /** A rare event with a text: a fault, a crash, a role change, a skipped fault. */
  note: 7,
} as const;

const TYPE_NAMES = ['send', 'deliver', 'lost', 'lost-at-arrival', 'timer', 'client-request', 'client-reply', 'note'];

export interface TraceWriter {
  write(line: string): void;
}

/**
 * The event trace. Every record feeds an incremental hash of its numeric
 * fields (the `traceHash` of the summary); text is formatted only when a
 * writer is attached (`--trace FILE`).
 */
export class Trace {
  private readonly hash = new Hash64();
  records = 0;

  constructor(
    private readonly nodeNames: readonly string[],
    private readonly messageName: (kind: number) => string,
    private readonly writer: TraceWriter | null = null,
  ) {}

  get enabled(): boolean {
    return this.writer !== null;
  }

  message(tUs: Us, type: number, node: number, peer: number, msg: Message): void {
    this.records++;
    const h = this.hash;
    h.addNumber(tUs);
    h.addInt32(type);
    h.addInt32(node);
    h.addInt32(peer);
    h.addInt32(msg.kind);
    h.addNumber(msg.term);
    if (this.writer !== null) {
      this.writer.write(
        JSON.stringify({
          t: tUs,
          type: TYPE_NAMES[type],
          node: this.nodeNames[node],
          peer: this.nodeNames[peer],
          msg: this.messageName(msg.kind),
          body: msg,
        }),
      );
    }
  }

  timer(tUs: Us, node: number, timer: number): void {
    this.records++;
    const h = this.hash;
    h.addNumber(tUs);
    h.addInt32(TraceType.timer);
    h.addInt32(node);
    h.addInt32(timer);
    if (this.writer !== null) {
      this.writer.write(JSON.stringify({ t: tUs, type: 'timer', node: this.nodeNames[node], timer }));
    }
  }

  client(tUs: Us, type: number, node: number, client: number, seq: number, ok: number): void {
    this.records++;
    const h = this.hash;
    h.addNumber(tUs);
    h.addInt32(type);
    h.addInt32(node);
    h.addInt32(client);
    h.addNumber(seq);
    h.addInt32(ok);
    if (this.writer !== null) {
      this.writer.write(
        JSON.stringify({ t: tUs, type: TYPE_NAMES[type], node: this.nodeNames[node], client: client + 1, seq, ...(type === TraceType.clientReply ? { ok: ok === 1 } : {}) }),
      );
    }
  }

  /** A rare event. The text is part of the hash, so it must be deterministic. */
  note(tUs: Us, node: number, text: string): void {
    this.records++;
    const h = this.hash;
    h.addNumber(tUs);
    h.addInt32(TraceType.note);
    h.addInt32(node);
    h.addString(text);
    if (this.writer !== null) {
      this.writer.write(JSON.stringify({ t: tUs, type: 'note', node: node < 0 ? null : this.nodeNames[node], text }));
    }
  }

  digest(): string {
    return this.hash.hex();
  }
}
