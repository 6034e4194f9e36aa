import type { Result } from "@blixard/core";
import { pairOperations } from "./pairing";
import { registerModel, registerSearchOperations } from "./register-model";
import { searchLinearization } from "./search";
import type { HistoryEvent, HistoryFormatError, Operation, RegisterValue } from "./types";

export type LinearizabilityVerdict = "linearizable" | "not-linearizable" | "unknown";

export interface LinearizabilityCheckOptions {
  /** Search budget for each key; deterministic, unlike a wall-clock budget. */
  readonly maxSearchStepsPerKey?: number;
}

export const DEFAULT_MAX_SEARCH_STEPS_PER_KEY = 5_000_000;

/** Why a key's history is not linearizable: how far a linearization got, and where it got stuck. */
export interface LinearizabilityViolation {
  readonly key: string;
  /** The longest linearizable prefix found, in linearization order, with the register after each. */
  readonly longestPrefix: ReadonlyArray<{ readonly operation: Operation; readonly stateAfter: RegisterValue }>;
  /** Register value at the end of that prefix. */
  readonly stateAtDeadEnd: RegisterValue;
  /** The operation that completed while it still could not be linearized. */
  readonly blocked: Operation;
  /** Operations invoked by then and not in the prefix: none could be linearized next. */
  readonly pending: readonly Operation[];
}

export interface KeyLinearizabilityResult {
  readonly key: string;
  readonly verdict: LinearizabilityVerdict;
  /** Operations of this key the search considered (fails and indeterminate reads are left out). */
  readonly operationCount: number;
  readonly searchSteps: number;
  readonly violation?: LinearizabilityViolation;
}

export interface LinearizabilityCheckResult {
  /** not-linearizable if any key is; else unknown if any key ran out of budget; else linearizable. */
  readonly verdict: LinearizabilityVerdict;
  /** One entry per key, sorted by key. */
  readonly keys: readonly KeyLinearizabilityResult[];
  readonly searchSteps: number;
}

/** Checks a register history, each key on its own (linearizability is compositional). */
export function checkRegisterOperations(operations: readonly Operation[], options: LinearizabilityCheckOptions = {}): LinearizabilityCheckResult {
  const maxSteps = options.maxSearchStepsPerKey ?? DEFAULT_MAX_SEARCH_STEPS_PER_KEY;
  const byKey = new Map<string, Operation[]>();
  for (const operation of operations) {
    const list = byKey.get(operation.key);
    if (list === undefined) byKey.set(operation.key, [operation]);
    else list.push(operation);
  }
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const results = keys.map((key) => checkOneKey(key, byKey.get(key) ?? [], maxSteps));
  return { verdict: overallVerdict(results), keys: results, searchSteps: results.reduce((sum, result) => sum + result.searchSteps, 0) };
}

/** Pairs a raw event history into operations and checks it. */
export function checkRegisterHistory(events: readonly HistoryEvent[], options: LinearizabilityCheckOptions = {}): Result<LinearizabilityCheckResult, HistoryFormatError> {
  const operations = pairOperations(events);
  if (!operations.ok) return operations;
  return { ok: true, value: checkRegisterOperations(operations.value, options) };
}

function checkOneKey(key: string, operations: readonly Operation[], maxSteps: number): KeyLinearizabilityResult {
  const { search, source } = registerSearchOperations(operations);
  const outcome = searchLinearization(registerModel, search, maxSteps);
  const base = { key, operationCount: search.length, searchSteps: outcome.steps };
  if (outcome.verdict !== "not-linearizable") return { ...base, verdict: outcome.verdict };
  const { deadEnd } = outcome;
  const longestPrefix = deadEnd.prefix.map((index, position) => ({ operation: source[index]!, stateAfter: deadEnd.statesAfter[position] as RegisterValue }));
  const violation: LinearizabilityViolation = {
    key,
    longestPrefix,
    stateAtDeadEnd: longestPrefix.length === 0 ? registerModel.initial : longestPrefix[longestPrefix.length - 1]!.stateAfter,
    blocked: source[deadEnd.blocked]!,
    pending: deadEnd.pending.map((index) => source[index]!),
  };
  return { ...base, verdict: "not-linearizable", violation };
}

function overallVerdict(results: readonly KeyLinearizabilityResult[]): LinearizabilityVerdict {
  if (results.some((result) => result.verdict === "not-linearizable")) return "not-linearizable";
  if (results.some((result) => result.verdict === "unknown")) return "unknown";
  return "linearizable";
}
