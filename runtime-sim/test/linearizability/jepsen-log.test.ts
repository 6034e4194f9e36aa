import { describe, expect, it } from "vitest";
import { checkRegisterHistory, parseJepsenRegisterLog, type HistoryEvent } from "../../src/linearizability/index";

const line = (process: number, type: string, f: string, value: string, separator = "\t") =>
  `INFO  jepsen.util - ${[process, `:${type}`, `:${f}`, value].join(separator)}`;

describe("Jepsen register log parser", () => {
  it("maps each line to an event on one key, with the line number as time", () => {
    const text = [
      line(0, "invoke", "read", "nil"),
      line(0, "ok", "read", "nil"),
      line(1, "invoke", "write", "3"),
      line(2, "invoke", "cas", "[3 0]"),
      line(1, "ok", "write", "3"),
      line(2, "fail", "cas", "[3 0]"),
    ].join("\n");
    const parsed = parseJepsenRegisterLog(`${text}\n`, "r");
    const expected: HistoryEvent[] = [
      { process: 0, type: "invoke", f: "read", key: "r", value: null, time: 1 },
      { process: 0, type: "ok", f: "read", key: "r", value: null, time: 2 },
      { process: 1, type: "invoke", f: "write", key: "r", value: "3", time: 3 },
      { process: 2, type: "invoke", f: "cas", key: "r", value: ["3", "0"], time: 4 },
      { process: 1, type: "ok", f: "write", key: "r", value: "3", time: 5 },
      { process: 2, type: "fail", f: "cas", key: "r", value: ["3", "0"], time: 6 },
    ];
    expect(parsed).toEqual({ ok: true, value: expected });
  });

  it("carries the invoke's value onto :timed-out completions, and accepts space-separated fields", () => {
    const text = [
      line(4, "invoke", "cas", "[1 2]", "   "),
      line(5, "invoke", "write", "0", " "),
      line(6, "invoke", "read", "nil"),
      line(4, "info", "cas", ":timed-out", "  "),
      line(5, "info", "write", ":timed-out"),
      line(6, "fail", "read", ":timed-out"),
    ].join("\n");
    const parsed = parseJepsenRegisterLog(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.slice(3).map((event) => event.value)).toEqual([["1", "2"], "0", null]);
    expect(checkRegisterHistory(parsed.value)).toMatchObject({ ok: true, value: { verdict: "linearizable" } });
  });

  it("a stale read in Jepsen form is caught", () => {
    const text = [line(0, "invoke", "write", "1"), line(0, "ok", "write", "1"), line(1, "invoke", "read", "nil"), line(1, "ok", "read", "nil")].join("\n");
    const parsed = parseJepsenRegisterLog(text);
    expect(parsed.ok && checkRegisterHistory(parsed.value)).toMatchObject({ ok: true, value: { verdict: "not-linearizable" } });
  });

  const rejections: Array<[string, string, string, string | undefined]> = [
    ["an unrecognised line", "WARN something else happened", "jepsen-unrecognised-line", undefined],
    ["an unknown type", line(0, "done", "read", "nil"), "jepsen-invalid-type", "type"],
    ["an unknown function", line(0, "invoke", "incr", "1"), "jepsen-invalid-function", "f"],
    ["a malformed cas value", line(0, "invoke", "cas", "[1]"), "jepsen-invalid-value", "value"],
    ["a timed-out completion with no invoke", line(7, "info", "write", ":timed-out"), "jepsen-completion-without-invoke", "value"],
  ];
  for (const [what, bad, code, field] of rejections) {
    it(`rejects ${what}, naming the line`, () => {
      const parsed = parseJepsenRegisterLog([line(9, "invoke", "read", "nil"), bad].join("\n"));
      expect(parsed).toMatchObject({ ok: false, error: { code, line: 2 } });
      expect(!parsed.ok && parsed.error.field).toBe(field);
      expect(!parsed.ok && parsed.error.message).toMatch(/^line 2[:,]/);
    });
  }
});
