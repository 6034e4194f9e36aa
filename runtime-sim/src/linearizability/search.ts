import { assert } from "@blixard/core";
import { DeepestDeadEnd } from "./deepest-dead-end";
import { EntryList } from "./entry-list";
import { InterchangeableGroups } from "./interchangeable";
import { LinearizedSet } from "./linearized-set";

/** A sequential specification: which inputs a state accepts, and the state after. */
export interface SearchModel<State, Input> {
  readonly initial: State;
  step(state: State, input: Input): { readonly ok: boolean; readonly next: State };
  /** Equal states give equal keys; used to memoise visited (linearized set, state) pairs. */
  stateKey(state: State): string;
  /** Equal inputs give equal keys: indeterminate operations with equal inputs are interchangeable. */
  inputKey(input: Input): string;
}

export interface SearchOperation<Input> {
  readonly callTimeNs: number;
  /** null: no deadline — may take effect any time after the call, or never (indeterminate). */
  readonly returnTimeNs: number | null;
  readonly input: Input;
}

/** The deepest point the search reached before it had to give up on every branch. */
export interface SearchDeadEnd<State> {
  /** Operation indices in the order they were linearized. */
  readonly prefix: readonly number[];
  /** Model state after each prefix operation. */
  readonly statesAfter: readonly State[];
  /** The operation whose return was reached while it still could not be linearized. */
  readonly blocked: number;
  /** Other operations called before that return and not yet linearized: every one was tried from here. */
  readonly pending: readonly number[];
}

export type SearchOutcome<State> =
  | { readonly verdict: "linearizable"; readonly steps: number; readonly order: readonly number[] }
  | { readonly verdict: "not-linearizable"; readonly steps: number; readonly deadEnd: SearchDeadEnd<State> }
  | { readonly verdict: "unknown"; readonly steps: number };

/**
 * Wing–Gong linearizability search with Lowe's memoisation, as Porcupine does it: walk call/return
 * entries in time order; at a call, try linearizing that operation now (lift it out of the list) unless
 * the (linearized set, state) pair was seen before; at a return whose operation is not yet linearized,
 * backtrack. Operations without a deadline never force a backtrack, so the search may also leave them
 * out: that models "may never have taken effect"; equal ones are interchangeable (see
 * InterchangeableGroups). Each loop iteration costs one step; running out of
 * `maxSearchSteps` yields "unknown", never a verdict.
 */
export function searchLinearization<State, Input>(
  model: SearchModel<State, Input>,
  operations: readonly SearchOperation<Input>[],
  maxSearchSteps: number,
): SearchOutcome<State> {
  const entries = new EntryList(operations);
  const groups = new InterchangeableGroups(operations, (index) => model.inputKey(operations[index]!.input));
  const linearized = new LinearizedSet(operations.length);
  const seen = new Set<string>();
  const stack: Array<{ operation: number; stateBefore: State }> = [];
  let state = model.initial;
  let deadlinesLeft = entries.deadlineCount;
  const deadEnd = new DeepestDeadEnd<State>();
  let entry = entries.first();
  let steps = 0;
  while (deadlinesLeft > 0) {
    if (steps >= maxSearchSteps) return { verdict: "unknown", steps };
    steps++;
    assert(entry !== EntryList.END, "a deadline entry remains ahead while deadlines are left");
    const operation = EntryList.operationOf(entry);
    if (EntryList.isCall(entry)) {
      const result = groups.isTurn(operation) ? model.step(state, operations[operation]!.input) : undefined;
      if (result?.ok === true) {
        linearized.toggle(operation);
        const key = linearized.key(model.stateKey(result.next));
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ operation, stateBefore: state });
          state = result.next;
          groups.linearize(operation);
          if (entries.lift(operation)) deadlinesLeft--;
          entry = entries.first();
          continue;
        }
        linearized.toggle(operation);
      }
      entry = entries.next(entry);
      continue;
    }
    // A return reached with its operation still pending: this branch cannot be linearized.
    deadEnd.reached(stack, state, entries, entry);
    const top = stack.pop();
    if (top === undefined) return { verdict: "not-linearizable", steps, deadEnd: deadEnd.value() };
    deadEnd.popped(stack.length);
    state = top.stateBefore;
    linearized.toggle(top.operation);
    groups.undo(top.operation);
    if (entries.unlift(top.operation)) deadlinesLeft++;
    entry = entries.next(EntryList.callEntry(top.operation));
  }
  return { verdict: "linearizable", steps, order: stack.map((frame) => frame.operation) };
}
