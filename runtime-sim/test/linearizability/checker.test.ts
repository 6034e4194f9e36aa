import { describe, expect, it } from "vitest";
import {
  checkRegisterHistory,
  describeCheckResult,
  describeViolation,
  HistoryRecorder,
  type LinearizabilityCheckOptions,
  type LinearizabilityCheckResult,
} from "../../src/linearizability/index";

function check(recorder: HistoryRecorder, options?: LinearizabilityCheckOptions): LinearizabilityCheckResult {
  const result = checkRegisterHistory(recorder.events(), options);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe("register histories, by hand", () => {
  it("a read that misses a write completed before it began is not linearizable, and says why", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "write", "k", "a", 0), 10);
    h.ok(h.invoke(1, "read", "k", null, 20), null, 30);
    const result = check(h);
    expect(result.verdict).toBe("not-linearizable");
    const violation = result.keys[0]?.violation;
    expect(violation?.key).toBe("k");
    expect(violation?.stateAtDeadEnd).toBe("a");
    expect(violation?.blocked).toMatchObject({ f: "read", output: null, invokeTimeNs: 20, completeTimeNs: 30 });
    expect(violation?.longestPrefix.map((step) => step.operation.f)).toEqual(["write"]);
    expect(describeViolation(violation!)).toContain("op#1 process 1 read → absent, invoked at 20ns, ok at 30ns");
  });

  it("a read concurrent with a write may see either the old or the new value", () => {
    for (const seen of [null, "a"]) {
      const h = new HistoryRecorder();
      const write = h.invoke(0, "write", "k", "a", 0);
      const read = h.invoke(1, "read", "k", null, 5);
      h.ok(read, seen, 8);
      h.ok(write, 10);
      expect(check(h).verdict).toBe("linearizable");
    }
  });

  it("after two concurrent writes a read may see either, but not a value nobody wrote", () => {
    const outcome = (seen: string) => {
      const h = new HistoryRecorder();
      const a = h.invoke(0, "write", "k", "a", 0);
      const b = h.invoke(1, "write", "k", "b", 5);
      h.ok(a, 10);
      h.ok(b, 15);
      h.ok(h.invoke(2, "read", "k", null, 20), seen, 30);
      return check(h).verdict;
    };
    expect(outcome("a")).toBe("linearizable");
    expect(outcome("b")).toBe("linearizable");
    expect(outcome("c")).toBe("not-linearizable");
  });

  it("two sequential reads cannot see a value, then the older one again", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "write", "k", "a", 0), 10);
    const b = h.invoke(1, "write", "k", "b", 20);
    h.ok(h.invoke(2, "read", "k", null, 21), "b", 22);
    h.ok(h.invoke(3, "read", "k", null, 23), "a", 24);
    h.ok(b, 30);
    expect(check(h).verdict).toBe("not-linearizable");
  });

  it("an indeterminate write may have happened, late, or never — but once seen it stays", () => {
    const run = (reads: Array<string | null>, completion: "info" | "none") => {
      const h = new HistoryRecorder();
      const write = h.invoke(0, "write", "k", "a", 0);
      if (completion === "info") h.info(write, 10);
      reads.forEach((seen, index) => h.ok(h.invoke(1, "read", "k", null, 20 + 10 * index), seen, 25 + 10 * index));
      return check(h).verdict;
    };
    for (const completion of ["info", "none"] as const) {
      expect(run([null], completion)).toBe("linearizable");
      expect(run(["a"], completion)).toBe("linearizable");
      expect(run([null, "a"], completion)).toBe("linearizable"); // took effect after the first read
      expect(run(["a", null], completion)).toBe("not-linearizable");
    }
  });

  it("a failed write never took effect; a failed or indeterminate read is dropped", () => {
    const h = new HistoryRecorder();
    h.fail(h.invoke(0, "write", "k", "a", 0), 10);
    h.fail(h.invoke(1, "read", "k", null, 11), 12);
    h.info(h.invoke(2, "read", "k", null, 13), 14);
    h.ok(h.invoke(3, "read", "k", null, 20), "a", 30);
    const result = check(h);
    expect(result.verdict).toBe("not-linearizable");
    expect(result.keys[0]?.operationCount).toBe(1);
  });

  it("cas takes effect only when the register holds the expected value", () => {
    const run = (cas: [string | null, string | null], status: "ok" | "fail" | "info", seen: string | null) => {
      const h = new HistoryRecorder();
      h.ok(h.invoke(0, "write", "k", "1", 0), 10);
      const op = h.invoke(1, "cas", "k", cas, 20);
      if (status === "ok") h.ok(op, 30);
      else if (status === "fail") h.fail(op, 30);
      else h.info(op, 30);
      h.ok(h.invoke(2, "read", "k", null, 40), seen, 50);
      return check(h).verdict;
    };
    expect(run(["1", "2"], "ok", "2")).toBe("linearizable");
    expect(run(["1", "2"], "ok", "1")).toBe("not-linearizable");
    expect(run(["3", "4"], "ok", "4")).toBe("not-linearizable"); // compare cannot have matched
    expect(run(["1", "2"], "fail", "1")).toBe("linearizable");
    expect(run(["1", "2"], "fail", "2")).toBe("not-linearizable");
    expect(run(["1", "2"], "info", "1")).toBe("linearizable");
    expect(run(["1", "2"], "info", "2")).toBe("linearizable");
    expect(run([null, "2"], "info", "2")).toBe("not-linearizable"); // register was "1", never absent
  });

  it("cas from absent works on a fresh register", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "cas", "k", [null, "x"], 0), 10);
    h.ok(h.invoke(0, "read", "k", null, 20), "x", 30);
    expect(check(h).verdict).toBe("linearizable");
  });

  it("operations that only touch (one completes as the next begins) count as concurrent", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "write", "k", "a", 0), 10);
    h.ok(h.invoke(1, "read", "k", null, 10), null, 20);
    expect(check(h).verdict).toBe("linearizable");
  });

  it("checks each key on its own and reports every key, sorted", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "write", "b", "1", 0), 10);
    h.ok(h.invoke(1, "write", "a", "1", 10), 15);
    h.ok(h.invoke(0, "read", "b", null, 20), null, 30); // stale: b is not linearizable
    h.ok(h.invoke(1, "read", "a", null, 30), "1", 40);
    const result = check(h);
    expect(result.verdict).toBe("not-linearizable");
    expect(result.keys.map((key) => [key.key, key.verdict])).toEqual([
      ["a", "linearizable"],
      ["b", "not-linearizable"],
    ]);
    expect(describeCheckResult(result)).toContain('key "b" is not linearizable');
  });

  it("an empty history is linearizable", () => {
    const result = checkRegisterHistory([]);
    expect(result.ok && result.value).toMatchObject({ verdict: "linearizable", keys: [], searchSteps: 0 });
  });

  it("running out of search budget gives unknown, never a verdict", () => {
    const build = () => {
      const h = new HistoryRecorder();
      // Many concurrent writes and a read: plenty of orders to explore.
      const writes = Array.from({ length: 8 }, (_, p) => h.invoke(p, "write", "k", `v${p}`, p));
      writes.forEach((write, p) => h.ok(write, 100 + p));
      h.ok(h.invoke(9, "read", "k", null, 200), "v3", 210);
      return h;
    };
    const ample = check(build());
    expect(ample.verdict).toBe("linearizable");
    const starved = check(build(), { maxSearchStepsPerKey: ample.searchSteps - 1 });
    expect(starved.verdict).toBe("unknown");
    expect(starved.keys[0]).toMatchObject({ verdict: "unknown", searchSteps: ample.searchSteps - 1 });
    expect(starved.keys[0]?.violation).toBeUndefined();
    // A non-linearizable history cut short is unknown too, not a false verdict either way.
    const h = build();
    h.ok(h.invoke(9, "read", "k", null, 300), "nobody-wrote-this", 310);
    expect(check(h).verdict).toBe("not-linearizable");
    expect(check(h, { maxSearchStepsPerKey: 3 }).verdict).toBe("unknown");
  });

  it("many identical timed-out writes stay cheap to rule out (interchangeable, not 2^n subsets)", () => {
    const h = new HistoryRecorder();
    h.ok(h.invoke(0, "write", "k", "y", 0), 10);
    const timedOut = Array.from({ length: 40 }, (_, i) => h.invoke(i + 1, "write", "k", "x", 11 + i));
    for (const write of timedOut) h.info(write, 100);
    h.ok(h.invoke(0, "read", "k", null, 200), "x", 210);
    h.ok(h.invoke(0, "read", "k", null, 220), "y", 230); // nothing could have written "y" again
    const result = check(h, { maxSearchStepsPerKey: 100_000 });
    expect(result.verdict).toBe("not-linearizable");
    expect(result.searchSteps).toBeLessThan(20_000);
    expect(result.keys[0]?.violation?.blocked).toMatchObject({ f: "read", output: "y" });
  });

  it("is deterministic: the same history gives the same result, step for step", () => {
    const h = new HistoryRecorder();
    const writes = Array.from({ length: 5 }, (_, p) => h.invoke(p, "write", "k", `v${p}`, p));
    writes.forEach((write, p) => h.ok(write, 50 + p));
    h.ok(h.invoke(0, "read", "k", null, 60), "v2", 70);
    expect(check(h)).toEqual(check(h));
  });
});
