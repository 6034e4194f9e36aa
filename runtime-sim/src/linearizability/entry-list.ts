import { assert } from "@blixard/core";

interface TimedOperation {
  readonly callTimeNs: number;
  readonly returnTimeNs: number | null;
}

/**
 * The call/return entries of a history in time order, as a doubly linked list over typed arrays, so an
 * operation can be lifted out (linearized) and put back (backtracked) in O(1), last-out-first-in.
 * Entry ids: operation i has call entry 2i and, if it has a deadline, return entry 2i+1.
 * At equal times calls sort before returns: operations that merely touch count as concurrent, so the
 * checker never reports an anomaly that rests on a tie.
 */
export class EntryList {
  static readonly END = -1;
  private readonly head: number;
  private readonly nextOf: Int32Array;
  private readonly prevOf: Int32Array;
  private readonly hasDeadline: Uint8Array;
  /** Operations with a return entry: those the search must linearize. */
  readonly deadlineCount: number;

  constructor(operations: readonly TimedOperation[]) {
    const count = operations.length;
    this.head = 2 * count;
    this.nextOf = new Int32Array(2 * count + 1).fill(EntryList.END);
    this.prevOf = new Int32Array(2 * count + 1).fill(EntryList.END);
    this.hasDeadline = new Uint8Array(count);
    const order: Array<{ entry: number; timeNs: number }> = [];
    operations.forEach((operation, index) => {
      order.push({ entry: 2 * index, timeNs: operation.callTimeNs });
      if (operation.returnTimeNs !== null) {
        assert(operation.returnTimeNs >= operation.callTimeNs, "an operation returns no earlier than its call", () => `operation ${index}`);
        order.push({ entry: 2 * index + 1, timeNs: operation.returnTimeNs });
        this.hasDeadline[index] = 1;
      }
    });
    // Time, then calls before returns, then operation index: a total order, so the walk is deterministic.
    order.sort((a, b) => a.timeNs - b.timeNs || (a.entry & 1) - (b.entry & 1) || a.entry - b.entry);
    let previous = this.head;
    for (const { entry } of order) {
      this.nextOf[previous] = entry;
      this.prevOf[entry] = previous;
      previous = entry;
    }
    this.deadlineCount = order.length - count;
  }

  static isCall(entry: number): boolean {
    return (entry & 1) === 0;
  }

  static operationOf(entry: number): number {
    return entry >>> 1;
  }

  static callEntry(operation: number): number {
    return 2 * operation;
  }

  first(): number {
    return this.nextOf[this.head]!;
  }

  next(entry: number): number {
    return this.nextOf[entry]!;
  }

  /** Removes the operation's entries; returns whether it had a deadline (a return entry). */
  lift(operation: number): boolean {
    this.unlink(2 * operation);
    if (this.hasDeadline[operation] === 0) return false;
    this.unlink(2 * operation + 1);
    return true;
  }

  /** Undoes the most recent lift still in effect; must be called in reverse lift order. */
  unlift(operation: number): boolean {
    const deadline = this.hasDeadline[operation] === 1;
    if (deadline) this.relink(2 * operation + 1);
    this.relink(2 * operation);
    return deadline;
  }

  /** Operations whose call entry is still listed before `entry`, in list order. */
  callsBefore(entry: number): number[] {
    const calls: number[] = [];
    for (let cursor = this.first(); cursor !== entry && cursor !== EntryList.END; cursor = this.next(cursor)) {
      if (EntryList.isCall(cursor)) calls.push(EntryList.operationOf(cursor));
    }
    return calls;
  }

  private unlink(entry: number): void {
    const previous = this.prevOf[entry]!;
    const following = this.nextOf[entry]!;
    this.nextOf[previous] = following;
    if (following !== EntryList.END) this.prevOf[following] = previous;
  }

  // The entry still remembers its neighbours, which are back in place when lifts are undone in order.
  private relink(entry: number): void {
    const previous = this.prevOf[entry]!;
    const following = this.nextOf[entry]!;
    this.nextOf[previous] = entry;
    if (following !== EntryList.END) this.prevOf[following] = entry;
  }
}
