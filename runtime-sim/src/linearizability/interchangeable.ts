/**
 * Symmetry reduction for operations without a deadline (indeterminate ones). Two such operations with
 * the same input, once both have been called, are interchangeable: whichever is linearized, the other
 * stays available forever. So within a group of equal inputs the search only ever linearizes the
 * earliest-called member still pending. Then the linearized members of each group are always a prefix
 * of it (lifts and backtracks are LIFO), one counter per group tracks them, and the memo key never holds
 * two equivalent configurations. Without this, k pending timed-out writes cost up to 2^k configurations;
 * with it, the product of (group size + 1).
 */
export class InterchangeableGroups {
  private static readonly NONE = -1;
  private readonly groupOf: Int32Array;
  private readonly rankInGroup: Int32Array;
  private readonly linearizedInGroup: Int32Array;

  /** `operations` in any order; members of a group are ranked by call time, then index. */
  constructor(operations: ReadonlyArray<{ readonly callTimeNs: number; readonly returnTimeNs: number | null }>, inputKey: (index: number) => string) {
    this.groupOf = new Int32Array(operations.length).fill(InterchangeableGroups.NONE);
    this.rankInGroup = new Int32Array(operations.length);
    const byCall = operations
      .map((operation, index) => ({ index, callTimeNs: operation.callTimeNs, open: operation.returnTimeNs === null }))
      .filter((operation) => operation.open)
      .sort((a, b) => a.callTimeNs - b.callTimeNs || a.index - b.index);
    const groups = new Map<string, { id: number; size: number }>();
    for (const { index } of byCall) {
      const key = inputKey(index);
      let group = groups.get(key);
      if (group === undefined) {
        group = { id: groups.size, size: 0 };
        groups.set(key, group);
      }
      this.groupOf[index] = group.id;
      this.rankInGroup[index] = group.size++;
    }
    this.linearizedInGroup = new Int32Array(groups.size);
  }

  /** Whether the search may linearize this operation now (always, unless an equal earlier one is pending). */
  isTurn(operation: number): boolean {
    const group = this.groupOf[operation]!;
    return group === InterchangeableGroups.NONE || this.linearizedInGroup[group] === this.rankInGroup[operation];
  }

  linearize(operation: number): void {
    const group = this.groupOf[operation]!;
    if (group !== InterchangeableGroups.NONE) this.linearizedInGroup[group]!++;
  }

  undo(operation: number): void {
    const group = this.groupOf[operation]!;
    if (group !== InterchangeableGroups.NONE) this.linearizedInGroup[group]!--;
  }
}
