import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkRegisterHistory,
  checkRegisterOperations,
  pairOperations,
  type HistoryEvent,
  type Operation,
  type OperationFunction,
  type RegisterValue,
} from "../../src/linearizability/index";

// Histories from a real register run one operation at a time: each operation takes effect at its own
// instant (its true linearization point), and the client sees a window around it: invoke a little
// before, completion a little after. Windows overlap, so the checker must find the order itself.

const linearizationSpacingNs = 10;
const windowNsMax = 45;

interface PlannedOperation {
  readonly f: OperationFunction;
  readonly key: string;
  readonly value: RegisterValue;
  readonly expected: RegisterValue;
  readonly invokeLeadNs: number;
  readonly completeLagNs: number;
  /** ok: as the register says; fail: a write that did not happen; info: indeterminate, maybe applied. */
  readonly outcome: "ok" | "fail" | "info";
  readonly infoApplied: boolean;
  readonly infoCompletes: boolean;
}

const plannedOperation: fc.Arbitrary<PlannedOperation> = fc.record({
  f: fc.constantFrom<OperationFunction>("read", "read", "write", "cas"),
  key: fc.constantFrom("a", "b"),
  value: fc.constantFrom<RegisterValue>("0", "1", "2", null),
  expected: fc.constantFrom<RegisterValue>("0", "1", "2", null),
  invokeLeadNs: fc.nat({ max: windowNsMax }),
  completeLagNs: fc.nat({ max: windowNsMax }),
  outcome: fc.constantFrom("ok", "ok", "ok", "fail", "info"),
  infoApplied: fc.boolean(),
  infoCompletes: fc.boolean(),
});

/** Runs the plan against a real register and records what clients would have seen. */
function recordSequentialRun(plan: readonly PlannedOperation[]): HistoryEvent[] {
  const register = new Map<string, RegisterValue>();
  const events: HistoryEvent[] = [];
  plan.forEach((op, index) => {
    const pointNs = linearizationSpacingNs * (index + 1) + windowNsMax;
    const current = register.get(op.key) ?? null;
    const canApply = op.f !== "cas" || current === op.expected;
    // A cas whose compare fails reports fail; an info op may or may not have been applied.
    const outcome = op.f === "cas" && !canApply && op.outcome === "ok" ? "fail" : op.outcome;
    const applied = op.f !== "read" && canApply && (outcome === "ok" || (outcome === "info" && op.infoApplied));
    if (applied) register.set(op.key, op.value);
    const invokeValue = op.f === "read" ? null : op.f === "cas" ? ([op.expected, op.value] as const) : op.value;
    const completionValue = op.f === "read" ? (outcome === "ok" ? current : null) : invokeValue;
    const base = { process: index, f: op.f, key: op.key };
    events.push({ ...base, type: "invoke", value: invokeValue, time: pointNs - op.invokeLeadNs });
    if (outcome !== "info" || op.infoCompletes) {
      events.push({ ...base, type: outcome, value: completionValue, time: pointNs + op.completeLagNs });
    }
  });
  // Stable sort: an operation's invoke stays ahead of its completion when both share a time.
  return events.sort((a, b) => a.time - b.time);
}

const plans = fc.array(plannedOperation, { minLength: 1, maxLength: 24 });

describe("linearizability checker properties", () => {
  it("a history recorded from a real register is always linearizable", () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const result = checkRegisterHistory(recordSequentialRun(plan));
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value.verdict).toBe("linearizable");
      }),
      { numRuns: 300 },
    );
  });

  it("changing one successful read to a value nobody wrote makes it not linearizable", () => {
    fc.assert(
      fc.property(plans, fc.nat(), (plan, pick) => {
        const events = recordSequentialRun(plan);
        const okReads = events.flatMap((event, index) => (event.f === "read" && event.type === "ok" ? [index] : []));
        fc.pre(okReads.length > 0);
        const target = okReads[pick % okReads.length]!;
        const mutated = events.map((event, index) => (index === target ? { ...event, value: "never-written" } : event));
        const result = checkRegisterHistory(mutated);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.verdict).toBe("not-linearizable");
        const broken = result.value.keys.find((key) => key.verdict === "not-linearizable");
        expect(broken?.key).toBe(events[target]!.key);
        // Only the mutated key is broken: the others still check out.
        for (const key of result.value.keys) if (key.key !== events[target]!.key) expect(key.verdict).toBe("linearizable");
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same verdict and step count every time (deterministic search)", () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const events = recordSequentialRun(plan);
        expect(checkRegisterHistory(events)).toEqual(checkRegisterHistory(events));
      }),
      { numRuns: 50 },
    );
  });
});

// An obviously-correct oracle for tiny histories: try every order (and every subset of the
// indeterminate operations) that respects real time, running a real register.
function bruteForceLinearizable(operations: readonly Operation[]): boolean {
  const live = operations.filter((op) => op.status !== "fail" && !(op.status === "info" && op.f === "read"));
  const placed = new Array<boolean>(live.length).fill(false);
  const apply = (state: RegisterValue, op: Operation): RegisterValue | undefined => {
    if (op.f === "read") return op.output === state ? state : undefined;
    if (op.f === "write") return op.value;
    return op.expected === state ? op.next : undefined;
  };
  const search = (state: RegisterValue): boolean => {
    if (live.every((op, i) => placed[i] || op.status === "info")) return true;
    return live.some((op, i) => {
      if (placed[i]) return false;
      // Real time: an unplaced operation that completed strictly before this one began must go first.
      const blocked = live.some((other, j) => !placed[j] && j !== i && other.completeTimeNs !== null && other.status === "ok" && other.completeTimeNs < op.invokeTimeNs);
      if (blocked) return false;
      const next = apply(state, op);
      if (next === undefined) return false;
      placed[i] = true;
      const found = search(next);
      placed[i] = false;
      return found;
    });
  };
  return search(null);
}

const tinyOperation = fc.record({
  f: fc.constantFrom<OperationFunction>("read", "write", "cas"),
  value: fc.constantFrom<RegisterValue>("0", "1", null),
  expected: fc.constantFrom<RegisterValue>("0", "1", null),
  invokeNs: fc.nat({ max: 30 }),
  durationNs: fc.nat({ max: 15 }),
  status: fc.constantFrom("ok", "ok", "ok", "fail", "info", "none"),
});

/** One key's history from tiny operations: each process invokes once and completes as its status says ("none": never). */
function tinyHistory(ops: ReadonlyArray<typeof tinyOperation extends fc.Arbitrary<infer T> ? T : never>): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  ops.forEach((op, process) => {
    const value = op.f === "read" ? null : op.f === "cas" ? ([op.expected, op.value] as const) : op.value;
    events.push({ process, type: "invoke", f: op.f, key: "k", value, time: op.invokeNs });
    if (op.status === "none") return;
    const completionValue = op.f === "read" ? (op.status === "ok" ? op.value : null) : value;
    events.push({ process, type: op.status, f: op.f, key: "k", value: completionValue, time: op.invokeNs + op.durationNs });
  });
  return events.sort((a, b) => a.time - b.time);
}

describe("linearizability checker against a brute-force oracle", () => {
  it("agrees on arbitrary tiny single-key histories, linearizable or not", () => {
    let disagreements = 0;
    const seenBoth = { linearizable: 0, not: 0 };
    fc.assert(
      fc.property(fc.array(tinyOperation, { minLength: 1, maxLength: 6 }), (ops) => {
        const paired = pairOperations(tinyHistory(ops));
        expect(paired.ok).toBe(true);
        if (!paired.ok) return;
        const expected = bruteForceLinearizable(paired.value);
        const actual = checkRegisterOperations(paired.value).verdict;
        if (expected) seenBoth.linearizable++;
        else seenBoth.not++;
        if (actual !== (expected ? "linearizable" : "not-linearizable")) disagreements++;
        expect(actual).toBe(expected ? "linearizable" : "not-linearizable");
      }),
      { numRuns: 1000 },
    );
    expect(disagreements).toBe(0);
    // The generator must exercise both verdicts, or agreement means little.
    expect(seenBoth.linearizable).toBeGreaterThan(100);
    expect(seenBoth.not).toBeGreaterThan(100);
  });
});

describe("linearizability checker failure reports", () => {
  it("the longest prefix of a refused history replays on a register, and the blocked and pending operations are outside it", () => {
    let refused = 0;
    let deep = 0;
    fc.assert(
      fc.property(fc.array(tinyOperation, { minLength: 1, maxLength: 12 }), (ops) => {
        const paired = pairOperations(tinyHistory(ops));
        if (!paired.ok) return;
        const result = checkRegisterOperations(paired.value).keys[0];
        const violation = result?.violation;
        if (violation === undefined) return;
        refused++;
        if (violation.longestPrefix.length >= 3) deep++;
        let state: RegisterValue = null;
        for (const { operation, stateAfter } of violation.longestPrefix) {
          if (operation.f === "read") expect(operation.output).toBe(state);
          if (operation.f === "cas") expect(operation.expected).toBe(state);
          state = operation.f === "read" ? state : operation.f === "write" ? operation.value : operation.next;
          expect(stateAfter).toBe(state);
        }
        expect(violation.stateAtDeadEnd).toBe(state);
        const inPrefix = new Set(violation.longestPrefix.map((step) => step.operation));
        expect(inPrefix.size).toBe(violation.longestPrefix.length);
        expect(inPrefix.has(violation.blocked)).toBe(false);
        for (const operation of violation.pending) expect(inPrefix.has(operation)).toBe(false);
      }),
      { numRuns: 1500 },
    );
    expect(refused).toBeGreaterThan(200);
    expect(deep).toBeGreaterThan(20);
  });
});
