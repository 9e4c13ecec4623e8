import type { ClientReply, Message, NodeContext } from '../../src/core/protocol.ts';

/** A NodeContext that records every effect, for driving one protocol node by hand. */
export class FakeContext implements NodeContext {
  readonly sent: { to: number; msg: Message }[] = [];
  readonly timers = new Map<number, number>();
  readonly replies: ClientReply[] = [];
  nowUs = 0;
  private draws = 0;

  constructor(
    readonly self: number,
    readonly nodeCount: number,
  ) {}

  now(): number {
    return this.nowUs;
  }
  send(to: number, msg: Message): void {
    this.sent.push({ to, msg });
  }
  setTimer(timer: number, delayUs: number): void {
    this.timers.set(timer, delayUs);
  }
  cancelTimer(timer: number): void {
    this.timers.delete(timer);
  }
  random(): number {
    // Deterministic and spread out: 0, 0.5, 0.25, 0.75, ...
    const n = this.draws++;
    let x = 0;
    let bit = 0.5;
    for (let k = n + 1; k > 1; k >>= 1) {
      if (k & 1) x += bit;
      bit /= 2;
    }
    return x;
  }
  reply(reply: ClientReply): void {
    this.replies.push(reply);
  }

  /** Messages sent since the last call, and forget them. */
  take<M extends Message = Message>(): { to: number; msg: M }[] {
    return this.sent.splice(0) as { to: number; msg: M }[];
  }
}
