import { assert } from "@blixard/core";
import { EntryList } from "./entry-list";
import { InterchangeableGroups } from "./interchangeable";

/** A sequential specification: which inputs a state accepts, and the state after. */
export interface SearchModel<State, Input> {
  readonly initial: State;
  step(state: State, input: Input): { readonly ok: boolean; readonly next: State };
  /** Equal states give equal keys; used to memoise visited (linearized set, state) pairs. */
  stateKey(state: State): string;
  describeState(state: State): string;
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
 * backtrack. Operations without a deadline (indeterminate) live in a second list and are tried only
 * when the walk reaches such a return: they never force a backtrack, may be left out entirely ("may
 * never have taken effect"), and are spent only when something needs them. Every operation called
 * before that return is still tried at each configuration, so the search stays complete; equal
 * indeterminate operations are interchangeable (see InterchangeableGroups). Each loop iteration costs
 * one step; running out of `maxSearchSteps` yields "unknown", never a verdict.
 */
export function searchLinearization<State, Input>(
  model: SearchModel<State, Input>,
  operations: readonly SearchOperation<Input>[],
  maxSearchSteps: number,
): SearchOutcome<State> {
  const hasDeadline = (index: number) => operations[index]!.returnTimeNs !== null;
  const entries = new EntryList(operations, hasDeadline);
  const open = new EntryList(operations, (index) => !hasDeadline(index));
  const groups = new InterchangeableGroups(operations, (index) => model.inputKey(operations[index]!.input));
  const linearized = new Uint16Array(Math.ceil(operations.length / 16));
  const seen = new Set<string>();
  const stack: Array<Frame<State>> = [];
  let state = model.initial;
  let deadlinesLeft = entries.deadlineCount;
  let deadEnd: SearchDeadEnd<State> | undefined;
  let entry = entries.first();
  // While not END_OF_WALK: trying indeterminate operations called before the return `blocking`.
  let openCursor = END_OF_WALK;
  let blocking = EntryList.END;
  let steps = 0;

  // Linearizes `operation` next if that reaches an unseen configuration; then the walk restarts.
  const tryLinearize = (operation: number, list: EntryList): boolean => {
    if (!groups.isTurn(operation)) return false;
    const result = model.step(state, operations[operation]!.input);
    if (!result.ok) return false;
    toggleBit(linearized, operation);
    const key = memoKey(linearized, model.stateKey(result.next));
    if (seen.has(key)) {
      toggleBit(linearized, operation);
      return false;
    }
    seen.add(key);
    stack.push({ operation, stateBefore: state, blocking });
    state = result.next;
    groups.linearize(operation);
    if (list.lift(operation)) deadlinesLeft--;
    entry = entries.first();
    openCursor = END_OF_WALK;
    return true;
  };

  while (deadlinesLeft > 0) {
    if (steps >= maxSearchSteps) return { verdict: "unknown", steps };
    steps++;
    if (openCursor === END_OF_WALK) {
      assert(entry !== EntryList.END, "a return entry remains ahead while deadlines are left");
      if (EntryList.isCall(entry)) {
        if (!tryLinearize(EntryList.operationOf(entry), entries)) entry = entries.next(entry);
        continue;
      }
      blocking = entry;
      openCursor = open.first();
      continue;
    }
    if (openCursor !== EntryList.END && open.timeNs(openCursor) <= entries.timeNs(blocking)) {
      if (!tryLinearize(EntryList.operationOf(openCursor), open)) openCursor = open.next(openCursor);
      continue;
    }
    // Every operation called before `blocking` was tried here: this configuration is a dead end.
    if (deadEnd === undefined || stack.length > deadEnd.prefix.length) deadEnd = captureDeadEnd(stack, state, entries, open, blocking);
    const top = stack.pop();
    if (top === undefined) return { verdict: "not-linearizable", steps, deadEnd };
    state = top.stateBefore;
    toggleBit(linearized, top.operation);
    groups.undo(top.operation);
    if (hasDeadline(top.operation)) {
      entries.unlift(top.operation);
      deadlinesLeft++;
      entry = entries.next(EntryList.callEntry(top.operation));
      openCursor = END_OF_WALK;
    } else {
      open.unlift(top.operation);
      blocking = top.blocking;
      openCursor = open.next(EntryList.callEntry(top.operation));
    }
  }
  return { verdict: "linearizable", steps, order: stack.map((frame) => frame.operation) };
}

const END_OF_WALK = -2;

interface Frame<State> {
  readonly operation: number;
  readonly stateBefore: State;
  /** For an indeterminate operation: the return that was blocking when it was linearized. */
  readonly blocking: number;
}

function toggleBit(bits: Uint16Array, index: number): void {
  bits[index >>> 4]! ^= 1 << (index & 15);
}

// The bitset packed 16 bits per char, then the state: a string the engine hashes for us.
function memoKey(bits: Uint16Array, stateKey: string): string {
  const chunkWords = 4096;
  let key = "";
  for (let start = 0; start < bits.length; start += chunkWords) {
    key += String.fromCharCode(...bits.subarray(start, start + chunkWords));
  }
  return `${key}${stateKey}`;
}

function captureDeadEnd<State>(
  stack: ReadonlyArray<Frame<State>>,
  state: State,
  entries: EntryList,
  open: EntryList,
  blockedEntry: number,
): SearchDeadEnd<State> {
  const blocked = EntryList.operationOf(blockedEntry);
  const statesAfter = stack.map((_, index) => (index + 1 < stack.length ? stack[index + 1]!.stateBefore : state));
  const blockedTimeNs = entries.timeNs(blockedEntry);
  const openPending: number[] = [];
  for (let cursor = open.first(); cursor !== EntryList.END && open.timeNs(cursor) <= blockedTimeNs; cursor = open.next(cursor)) {
    openPending.push(EntryList.operationOf(cursor));
  }
  return {
    prefix: stack.map((frame) => frame.operation),
    statesAfter,
    blocked,
    pending: [...entries.callsBefore(blockedEntry).filter((operation) => operation !== blocked), ...openPending].sort((a, b) => a - b),
  };
}
