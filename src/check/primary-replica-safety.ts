import type { Us } from '../core/time.ts';
import type { Entry, PrimaryReplicaObserver } from '../protocols/primary-replica/types.ts';
import { recordViolation, type CheckClock, type CheckerWatch, type Violation } from './violations.ts';

/**
 * The primary/replica model's own safety properties, checked online as the
 * nodes report what they do. Losing acknowledged writes is *not* among them:
 * that is the model's documented behaviour, counted in `lostWrites`.
 *
 * - Single Lock Holder: at most one node holds the leader lock at any instant
 *   (each holder's lease, in simulated time, ends before the next begins),
 *   and each new holder's epoch is above every earlier holder's.
 * - One Primary per Epoch: a node takes office as primary only in an epoch
 *   no other node took office in.
 * - Epoch Log Matching: entries with the same index and epoch are the same
 *   entry after the same predecessor epoch (one writer per epoch).
 * - Primary Append-Only: a node acting as primary never discards its entries.
 * - In-Order Apply: every node applies entries 1, 2, 3, … with no gap and no
 *   repeat (starting over from 1 only after a restart or a rewind past what
 *   it applied).
 */
export class PrimaryReplicaSafetyChecker implements PrimaryReplicaObserver {
  readonly violations: Violation[] = [];
  /** Every (epoch, node) that took office, in order. */
  readonly tookOfficeLog: { epoch: number; node: number; atUs: Us }[] = [];
  /** Lock holdings (acquisitions and renewals), for tests: [node, epoch, fromUs, untilUs]. */
  readonly lockHoldings: { node: number; epoch: number; fromUs: Us; untilUs: Us }[] = [];
  private readonly officeOfEpoch = new Map<number, number>();
  /** Per node: the epoch it holds the lock of and until when (simulated time); -1 when none. */
  private readonly heldEpoch: number[] = [];
  private readonly heldUntilUs: number[] = [];
  private highestHeldEpoch = 0;
  private readonly lockHolderOfEpoch = new Map<number, number>();
  private readonly byIndexEpoch = new Map<number, { entry: Entry; prevEpoch: number }>();
  private readonly nextApply: number[] = [];
  private readonly reported = new Set<string>();

  constructor(
    private readonly clock: CheckClock,
    private readonly events: Partial<PrimaryReplicaObserver> = {},
    private readonly watch: CheckerWatch = {},
  ) {}

  tookOffice(node: number, epoch: number): void {
    this.tookOfficeLog.push({ epoch, node, atUs: this.clock.nowUs() });
    const other = this.officeOfEpoch.get(epoch);
    if (other !== undefined && other !== node) {
      this.violate('One Primary per Epoch', `${this.name(node)} and ${this.name(other)} both took office as primary of epoch ${epoch}`);
    }
    this.officeOfEpoch.set(epoch, node);
    this.events.tookOffice?.(node, epoch);
  }

  steppedDown(node: number, epoch: number, why: string): void {
    this.events.steppedDown?.(node, epoch, why);
  }

  lockHeld(node: number, epoch: number, remainingUs: Us): void {
    const now = this.clock.nowUs();
    const until = now + remainingUs;
    for (let other = 0; other < this.heldUntilUs.length; other++) {
      if (other === node || (this.heldEpoch[other] ?? -1) < 0) continue;
      if (this.heldUntilUs[other]! > now) {
        this.violate(
          'Single Lock Holder',
          `${this.name(node)} holds the lock of epoch ${epoch} while ${this.name(other)} still holds epoch ${this.heldEpoch[other]} for ${((this.heldUntilUs[other]! - now) / 1000).toFixed(3)} ms`,
        );
      }
    }
    // Epochs only go up: a node may hold the lock again in its own epoch (a renewal after a lapse no one used), no one else may.
    const holderOfEpoch = this.lockHolderOfEpoch.get(epoch);
    if (epoch < this.highestHeldEpoch || (holderOfEpoch !== undefined && holderOfEpoch !== node)) {
      this.violate('Single Lock Holder', `${this.name(node)} took the lock at epoch ${epoch}, not above the earlier holders' epoch ${this.highestHeldEpoch}`);
    }
    this.lockHolderOfEpoch.set(epoch, node);
    this.highestHeldEpoch = Math.max(this.highestHeldEpoch, epoch);
    this.heldEpoch[node] = epoch;
    this.heldUntilUs[node] = until;
    const last = this.lockHoldings[this.lockHoldings.length - 1];
    if (last !== undefined && last.node === node && last.epoch === epoch && last.untilUs >= now) last.untilUs = until;
    else this.lockHoldings.push({ node, epoch, fromUs: now, untilUs: until });
    this.events.lockHeld?.(node, epoch, remainingUs);
  }

  lockLost(node: number, epoch: number, stillPrimary: boolean): void {
    const now = this.clock.nowUs();
    if ((this.heldEpoch[node] ?? -1) >= 0) {
      this.heldUntilUs[node] = Math.min(this.heldUntilUs[node]!, now);
      for (let i = this.lockHoldings.length - 1; i >= 0; i--) {
        const holding = this.lockHoldings[i]!;
        if (holding.node !== node) continue;
        if (holding.untilUs > now) holding.untilUs = now;
        break;
      }
    }
    this.heldEpoch[node] = -1;
    this.events.lockLost?.(node, epoch, stillPrimary);
  }

  appended(node: number, index: number, entry: Entry, prevEpoch: number): void {
    const key = index * 0x100000000 + entry.epoch;
    const known = this.byIndexEpoch.get(key);
    if (known === undefined) {
      this.byIndexEpoch.set(key, { entry, prevEpoch });
      return;
    }
    if (known.entry !== entry || known.prevEpoch !== prevEpoch) {
      this.violate('Epoch Log Matching', `${this.name(node)} holds a different entry at index ${index} epoch ${entry.epoch} than another log`);
    }
  }

  rewound(node: number, fromIndex: number, count: number, role: string): void {
    if (role === 'primary') this.violate('Primary Append-Only', `primary ${this.name(node)} discarded its entries from index ${fromIndex}`);
    this.events.rewound?.(node, fromIndex, count, role);
  }

  applyReset(node: number): void {
    this.nextApply[node] = 1;
  }

  applied(node: number, index: number, entry: Entry): void {
    this.watch.applied?.(node, index, entry.epoch);
    const expected = this.nextApply[node] ?? 1;
    if (index !== expected) {
      this.violate('In-Order Apply', `${this.name(node)} applied index ${index} (epoch ${entry.epoch}) when index ${expected} was next`);
    }
    this.nextApply[node] = index + 1;
  }

  semiSyncChanged(node: number, on: boolean): void {
    this.events.semiSyncChanged?.(node, on);
  }

  private violate(invariant: string, what: string): void {
    // One report per invariant and message: a broken property tends to repeat.
    recordViolation(this.violations, this.reported, `${invariant}:${what}`, invariant, what, this.clock, this.watch);
  }

  private name(node: number): string {
    return this.clock.nodeName(node);
  }
}
