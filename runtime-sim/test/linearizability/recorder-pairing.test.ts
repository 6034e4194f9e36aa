import { InvariantViolation } from "@blixard/core";
import { describe, expect, it } from "vitest";
import { HistoryRecorder, pairOperations, type HistoryEvent } from "../../src/linearizability/index";

const event = (process: number, type: HistoryEvent["type"], f: HistoryEvent["f"], value: HistoryEvent["value"], time: number, key = "k"): HistoryEvent => ({
  process,
  type,
  f,
  key,
  value,
  time,
});

describe("HistoryRecorder", () => {
  it("records Jepsen-style events: completions repeat write/cas values, a read's ok carries the value read", () => {
    const h = new HistoryRecorder();
    const write = h.invoke(0, "write", "k", "v1", 100);
    const cas = h.invoke(1, "cas", "k", ["v1", "v2"], 110);
    const read = h.invoke(2, "read", "k", null, 120);
    h.ok(write, 130);
    h.fail(cas, ["v1", "v2"], 140);
    h.ok(read, "v1", 150);
    const late = h.invoke(2, "write", "k", null, 160);
    h.info(late, undefined, 170);
    expect(h.events()).toEqual([
      event(0, "invoke", "write", "v1", 100),
      event(1, "invoke", "cas", ["v1", "v2"], 110),
      event(2, "invoke", "read", null, 120),
      event(0, "ok", "write", "v1", 130),
      event(1, "fail", "cas", ["v1", "v2"], 140),
      event(2, "ok", "read", "v1", 150),
      event(2, "invoke", "write", null, 160),
      event(2, "info", "write", null, 170),
    ]);
    expect(h.outstandingProcesses()).toEqual([]);
    expect(h.eventCount).toBe(8);
  });

  it("treats harness misuse as a bug", () => {
    const h = new HistoryRecorder({ maxEvents: 3 });
    const read = h.invoke(0, "read", "k", null, 10);
    expect(() => h.invoke(0, "write", "k", "x", 11)).toThrow(/at most one outstanding operation/);
    expect(() => h.ok(read, 12)).toThrow(/read ok carries the value read/);
    expect(() => h.invoke(1, "read", "k", "x", 12)).toThrow(InvariantViolation);
    expect(() => h.invoke(1, "write", "k", "x", 5)).toThrow(/non-decreasing/);
    h.ok(read, "x", 20);
    expect(() => h.ok(read, "x", 21)).toThrow(/completes exactly once/);
    const write = h.invoke(1, "write", "k", "y", 22);
    expect(() => h.ok(write, "z", 23)).toThrow(/repeats its invoke's value/);
    expect(() => h.ok(write, 24)).toThrow(/within maxEvents/);
    expect(h.outstandingProcesses()).toEqual([1]);
  });
});

describe("pairOperations", () => {
  it("pairs invokes with completions in invoke order; an unfinished operation is info with no completion time", () => {
    const paired = pairOperations([
      event(0, "invoke", "write", "a", 0),
      event(1, "invoke", "read", null, 1),
      event(1, "ok", "read", "a", 2),
      event(2, "invoke", "cas", ["a", "b"], 3),
      event(2, "fail", "cas", ["a", "b"], 4),
      event(1, "invoke", "read", null, 5),
      event(1, "info", "read", null, 6),
    ]);
    expect(paired.ok).toBe(true);
    if (!paired.ok) return;
    expect(paired.value).toEqual([
      { id: 0, process: 0, key: "k", status: "info", invokeTimeNs: 0, completeTimeNs: null, f: "write", value: "a" },
      { id: 1, process: 1, key: "k", status: "ok", invokeTimeNs: 1, completeTimeNs: 2, f: "read", output: "a" },
      { id: 2, process: 2, key: "k", status: "fail", invokeTimeNs: 3, completeTimeNs: 4, f: "cas", expected: "a", next: "b" },
      { id: 3, process: 1, key: "k", status: "info", invokeTimeNs: 5, completeTimeNs: null, f: "read", output: null },
    ]);
  });

  const rejections: Array<[string, HistoryEvent[], string, number, string]> = [
    ["time going backwards", [event(0, "invoke", "write", "a", 5), event(0, "ok", "write", "a", 4)], "history-time-went-backwards", 2, "time"],
    ["a second invoke while busy", [event(0, "invoke", "write", "a", 0), event(0, "invoke", "read", null, 1)], "history-process-busy", 2, "process"],
    ["a completion with no invoke", [event(3, "ok", "read", "a", 0)], "history-completion-without-invoke", 1, "process"],
    ["a completion of another function", [event(0, "invoke", "write", "a", 0), event(0, "ok", "cas", ["a", "b"], 1)], "history-completion-mismatch", 2, "f"],
    ["a completion on another key", [event(0, "invoke", "write", "a", 0), event(0, "ok", "write", "a", 1, "other")], "history-completion-mismatch", 2, "key"],
    ["a completion with another value", [event(0, "invoke", "write", "a", 0), event(0, "ok", "write", "b", 1)], "history-completion-mismatch", 2, "value"],
  ];
  for (const [what, events, code, line, field] of rejections) {
    it(`rejects ${what}, naming the line and field`, () => {
      const paired = pairOperations(events);
      expect(paired.ok).toBe(false);
      if (paired.ok) return;
      expect(paired.error).toMatchObject({ code, line, field });
      expect(paired.error.message).toMatch(new RegExp(`^line ${line}, field "${field}": `));
    });
  }
});
