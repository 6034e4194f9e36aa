import type { EndpointId } from "@blixard/core";
import type { SimRandom } from "../random/streams";

/**
 * Protocol-agnostic misbehaviour of a Byzantine node's outgoing traffic. Each
 * probability is per sent message, in [0, 1]. Forged sender claims inside a
 * body are a protocol matter: decoders compare the claimed sender with the
 * transport `from` and reject a mismatch.
 */
export interface ByzantineBehaviour {
  /** Flip 1..maxFlippedBits random bits of the message. */
  readonly corruptProbability: number;
  /** Also re-send an old captured message of this node to the same destination. */
  readonly replayProbability: number;
  /** Also send a mutated copy (a few bits flipped) beside the original. */
  readonly mutatedDuplicateProbability: number;
  /** Replace the message by random garbage bytes. */
  readonly garbageProbability: number;
  readonly maxFlippedBits: number;
}

export const DEFAULT_BYZANTINE_BEHAVIOUR: ByzantineBehaviour = {
  corruptProbability: 0.1,
  replayProbability: 0.1,
  mutatedDuplicateProbability: 0.05,
  garbageProbability: 0.05,
  maxFlippedBits: 4,
};

/** Old messages kept per Byzantine node for replays. */
const CAPTURE_LIMIT = 64;

export type ByzantineAction = "corrupt" | "replay" | "mutated-duplicate" | "garbage";

export interface ByzantineOutput {
  readonly to: EndpointId;
  readonly payload: Uint8Array;
  /** Why this copy exists; null for the untouched original. */
  readonly action: ByzantineAction | null;
}

/** Per-node state: the behaviour and a bounded capture of past messages. */
export class ByzantineNode {
  private readonly captured: { to: EndpointId; payload: Uint8Array }[] = [];
  private captureNext = 0;

  constructor(
    readonly nodeId: EndpointId,
    readonly behaviour: ByzantineBehaviour,
    private readonly random: SimRandom,
  ) {}

  /** Turn one honest send into what this node actually emits. */
  transform(to: EndpointId, payload: Uint8Array): ByzantineOutput[] {
    const out: ByzantineOutput[] = [];
    const b = this.behaviour;
    const r = this.random;
    if (r.bernoulli(b.replayProbability) && this.captured.length > 0) {
      const old = this.captured[r.nextInt(0, this.captured.length - 1)]!;
      out.push({ to, payload: old.payload.slice(), action: "replay" });
    }
    this.capture(to, payload);
    if (r.bernoulli(b.garbageProbability)) {
      out.push({ to, payload: this.garbage(payload.length), action: "garbage" });
    } else if (r.bernoulli(b.corruptProbability)) {
      out.push({ to, payload: this.flip(payload), action: "corrupt" });
    } else {
      out.push({ to, payload, action: null });
    }
    if (r.bernoulli(b.mutatedDuplicateProbability)) {
      out.push({ to, payload: this.flip(payload), action: "mutated-duplicate" });
    }
    return out;
  }

  private capture(to: EndpointId, payload: Uint8Array): void {
    const entry = { to, payload: payload.slice() };
    if (this.captured.length < CAPTURE_LIMIT) this.captured.push(entry);
    else this.captured[this.captureNext] = entry;
    this.captureNext = (this.captureNext + 1) % CAPTURE_LIMIT;
  }

  private flip(payload: Uint8Array): Uint8Array {
    const copy = payload.slice();
    if (copy.length === 0) return copy;
    const bits = this.random.nextInt(1, Math.max(1, this.behaviour.maxFlippedBits));
    for (let i = 0; i < bits; i++) {
      const bit = this.random.nextInt(0, copy.length * 8 - 1);
      copy[bit >> 3]! ^= 1 << (bit & 7);
    }
    return copy;
  }

  private garbage(originalLength: number): Uint8Array {
    const length = this.random.nextInt(1, Math.max(1, originalLength * 2));
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = this.random.nextInt(0, 255);
    return bytes;
  }
}
