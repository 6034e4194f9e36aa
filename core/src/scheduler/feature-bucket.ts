import { MEMORY_MIB_MIN, VCPUS_MIN } from "../vm/limits";
import type { Resources } from "../vm/spec";
import { SortedSlots } from "./sorted-slots";

/** Class 0 parks hosts too full for the smallest valid VM; classes 1..7 hold free vcpus 1, 2-3, 4-7, ..., 64+. */
const CLASS_COUNT = 8;

function classOf(freeVcpus: number, freeMemoryMib: number): number {
  if (freeVcpus < VCPUS_MIN || freeMemoryMib < MEMORY_MIB_MIN) return 0;
  return 1 + Math.min(6, 31 - Math.clz32(freeVcpus));
}

/** The lowest class that may hold a host able to take `need`; lower classes cannot. */
function lowestClassFor(need: Resources): number {
  if (need.vcpus < VCPUS_MIN || need.memoryMib < MEMORY_MIB_MIN) return 0;
  return 1 + Math.min(6, 31 - Math.clz32(need.vcpus));
}

/**
 * Hosts sharing one exact feature set, split by free-vcpu class and each class
 * sorted by score. Splitting keeps a bin-pack scan from wading through hosts
 * whose score looks roomy but whose vcpus are spent (vcpus usually run out
 * first); the parked class keeps full hosts out of every ordinary scan.
 */
export class FeatureBucket {
  private readonly classes: SortedSlots[];

  constructor(
    readonly features: ReadonlySet<string>,
    private readonly score: Float64Array,
  ) {
    this.classes = Array.from({ length: CLASS_COUNT }, () => new SortedSlots(score));
  }

  insert(slot: number, freeVcpus: number, freeMemoryMib: number): void {
    this.classes[classOf(freeVcpus, freeMemoryMib)]?.insert(slot);
  }

  /** Must be called with the free resources the slot was inserted with. */
  remove(slot: number, freeVcpus: number, freeMemoryMib: number): void {
    this.classes[classOf(freeVcpus, freeMemoryMib)]?.remove(slot);
  }

  /** Highest score, then lowest slot, among slots that `fits`. -1 if none. */
  most(need: Resources, fits: (slot: number) => boolean): number {
    let best = -1;
    for (let c = lowestClassFor(need); c < CLASS_COUNT; c++) {
      const order = this.classes[c] as SortedSlots;
      let hi = order.length;
      while (hi > 0) {
        const top = this.score[order.at(hi - 1)] as number;
        if (best >= 0 && top < (this.score[best] as number)) break; // nothing here can beat best
        const lo = order.lowerBound(top);
        const found = firstFitting(order, lo, hi, fits);
        if (found >= 0) {
          if (best < 0 || better(this.score, found, best, true)) best = found;
          break;
        }
        hi = lo;
      }
    }
    return best;
  }

  /** Lowest score, then lowest slot, among slots that `fits`; scores below `floor` cannot fit. */
  least(need: Resources, floor: number, fits: (slot: number) => boolean): number {
    let best = -1;
    for (let c = lowestClassFor(need); c < CLASS_COUNT; c++) {
      const order = this.classes[c] as SortedSlots;
      for (let i = order.lowerBound(floor); i < order.length; i++) {
        const slot = order.at(i);
        if (best >= 0 && (this.score[slot] as number) > (this.score[best] as number)) break;
        if (fits(slot)) {
          if (best < 0 || better(this.score, slot, best, false)) best = slot;
          break;
        }
      }
    }
    return best;
  }
}

/** First fitting slot in positions [lo, hi) (one equal-score run, so slot order). */
function firstFitting(order: SortedSlots, lo: number, hi: number, fits: (slot: number) => boolean): number {
  for (let i = lo; i < hi; i++) {
    if (fits(order.at(i))) return order.at(i);
  }
  return -1;
}

export function better(score: Float64Array, a: number, b: number, most: boolean): boolean {
  const sa = score[a] as number;
  const sb = score[b] as number;
  if (sa !== sb) return most ? sa > sb : sa < sb;
  return a < b;
}
