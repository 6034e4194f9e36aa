import { EntryList } from "./entry-list";
import type { SearchDeadEnd } from "./search";

/**
 * The deepest point the search had to give up at, for the failure report.
 * The search passes ever deeper dead ends on its way through a long
 * linearizable history; copying the whole stack at each made the check
 * quadratic. Frames below the lowest depth the stack has popped to since the
 * last capture are still the same, so a capture copies only the frames above.
 */
export class DeepestDeadEnd<State> {
  private readonly prefix: number[] = [];
  private readonly statesAfter: State[] = [];
  /** Stack depth of the deepest dead end so far; -1 before the first. */
  private depth = -1;
  /** Stack frames below this depth are unchanged since the last capture. */
  private unchangedBelow = 0;
  private blocked = -1;
  private pending: number[] = [];

  /** The search popped its stack to `depth`. */
  popped(depth: number): void {
    if (depth < this.unchangedBelow) this.unchangedBelow = depth;
  }

  /** A return was reached with its operation pending: keep it if it is the deepest yet. */
  reached(stack: ReadonlyArray<{ readonly operation: number; readonly stateBefore: State }>, state: State, entries: EntryList, blockedEntry: number): void {
    if (stack.length <= this.depth) return;
    // The state after frame i depends only on frames 0..i, so unchanged frames keep theirs.
    const from = Math.min(this.unchangedBelow, this.prefix.length);
    this.prefix.length = from;
    this.statesAfter.length = from;
    for (let i = from; i < stack.length; i++) {
      this.prefix.push(stack[i]!.operation);
      this.statesAfter.push(i + 1 < stack.length ? stack[i + 1]!.stateBefore : state);
    }
    this.depth = stack.length;
    this.unchangedBelow = stack.length;
    const blocked = EntryList.operationOf(blockedEntry);
    this.blocked = blocked;
    this.pending = entries.callsBefore(blockedEntry).filter((operation) => operation !== blocked);
  }

  value(): SearchDeadEnd<State> {
    return { prefix: [...this.prefix], statesAfter: [...this.statesAfter], blocked: this.blocked, pending: this.pending };
  }
}
