import { InvariantViolation } from "../errors";

/**
 * Host slots kept sorted by (score ascending, slot ascending) in a flat typed
 * array. Slots are host positions in id order, so the secondary key is the
 * host-id tie-break. Scores live outside (shared by all buckets); a slot must
 * be removed before its score changes and re-inserted after.
 */
export class SortedSlots {
  private slots = new Int32Array(16);
  private count = 0;

  constructor(private readonly score: Float64Array) {}

  get length(): number {
    return this.count;
  }

  at(i: number): number {
    return this.slots[i] as number;
  }

  /** First position whose score is >= `score`. */
  lowerBound(score: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.score[this.slots[mid] as number] as number) < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position where `slot` (at its current score) is or would be. */
  private positionOf(slot: number): number {
    const s = this.score[slot] as number;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.slots[mid] as number;
      const os = this.score[other] as number;
      if (os < s || (os === s && other < slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(slot: number): void {
    const at = this.positionOf(slot);
    if (this.count === this.slots.length) {
      const grown = new Int32Array(this.slots.length * 2);
      grown.set(this.slots);
      this.slots = grown;
    }
    this.slots.copyWithin(at + 1, at, this.count);
    this.slots[at] = slot;
    this.count++;
  }

  remove(slot: number): void {
    const at = this.positionOf(slot);
    if (at >= this.count || this.slots[at] !== slot) {
      throw new InvariantViolation("sorted-slots-consistent", `slot ${slot} not found at its score; it was re-scored while inserted`);
    }
    this.slots.copyWithin(at, at + 1, this.count);
    this.count--;
  }
}
