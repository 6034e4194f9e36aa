import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HISTORY_LIMITS,
  decodeHistoryJsonLines,
  encodeHistoryJsonLines,
  type HistoryEvent,
  type RegisterValue,
} from "../../src/linearizability/index";

const registerValue: fc.Arbitrary<RegisterValue> = fc.option(fc.string({ maxLength: 12 }), { nil: null });

const historyEvent: fc.Arbitrary<HistoryEvent> = fc
  .record({
    process: fc.nat({ max: 1_000_000 }),
    type: fc.constantFrom("invoke", "ok", "fail", "info" as const),
    f: fc.constantFrom("read", "write", "cas" as const),
    key: fc.string({ maxLength: 16 }),
    written: registerValue,
    expected: registerValue,
    time: fc.maxSafeNat(),
  })
  .map(({ process, type, f, key, written, expected, time }): HistoryEvent => {
    const value = f === "cas" ? ([expected, written] as const) : f === "read" && type !== "ok" ? null : written;
    return { process, type, f, key, value, time };
  });

describe("JSON-lines history format", () => {
  it("writes one Jepsen-style object per line, fields in a fixed order", () => {
    const text = encodeHistoryJsonLines([
      { process: 3, type: "invoke", f: "write", key: "k1", value: "v7", time: 1234567 },
      { process: 3, type: "ok", f: "cas", key: "k1", value: [null, "v8"], time: 1234568 },
    ]);
    expect(text).toBe(
      '{"process":3,"type":"invoke","f":"write","key":"k1","value":"v7","time":1234567}\n' +
        '{"process":3,"type":"ok","f":"cas","key":"k1","value":[null,"v8"],"time":1234568}\n',
    );
  });

  it("round-trips any valid history exactly", () => {
    fc.assert(
      fc.property(fc.array(historyEvent, { maxLength: 30 }), (events) => {
        const decoded = decodeHistoryJsonLines(encodeHistoryJsonLines(events));
        expect(decoded).toEqual({ ok: true, value: events });
      }),
      { numRuns: 200 },
    );
  });

  it("accepts a history without a final newline, and CRLF line ends", () => {
    const line = '{"process":0,"type":"invoke","f":"read","key":"k","value":null,"time":0}';
    expect(decodeHistoryJsonLines(line).ok).toBe(true);
    expect(decodeHistoryJsonLines(`${line}\r\n${line}\r\n`)).toMatchObject({ ok: true, value: [{ f: "read" }, { f: "read" }] });
    expect(decodeHistoryJsonLines("")).toEqual({ ok: true, value: [] });
  });

  const good = '{"process":0,"type":"invoke","f":"write","key":"k","value":"v","time":5}';
  const withField = (patch: Record<string, unknown>, drop: string[] = []) => {
    const base: Record<string, unknown> = { process: 0, type: "invoke", f: "write", key: "k", value: "v", time: 5, ...patch };
    for (const name of drop) delete base[name];
    return JSON.stringify(base);
  };
  const rejections: Array<[string, string, string, string | undefined]> = [
    ["invalid JSON", "{not json", "history-invalid-json", undefined],
    ["a JSON array", "[1,2]", "history-event-not-object", undefined],
    ["a JSON null", "null", "history-event-not-object", undefined],
    ["a missing field", withField({}, ["time"]), "history-missing-field", "time"],
    ["an unknown field", withField({ index: 4 }), "history-unknown-field", "index"],
    ["a negative process", withField({ process: -1 }), "history-invalid-integer", "process"],
    ["a fractional process", withField({ process: 1.5 }), "history-invalid-integer", "process"],
    ["a process given as a string", withField({ process: "1" }), "history-invalid-integer", "process"],
    ["an unknown type", withField({ type: "done" }), "history-invalid-enum", "type"],
    ["an unknown function", withField({ f: "delete" }), "history-invalid-enum", "f"],
    ["a numeric key", withField({ key: 7 }), "history-invalid-string", "key"],
    ["an oversized key", withField({ key: "x".repeat(DEFAULT_HISTORY_LIMITS.maxKeyChars + 1) }), "history-value-too-large", "key"],
    ["a numeric write value", withField({ value: 7 }), "history-invalid-value", "value"],
    ["a read invoke with a value", withField({ f: "read", value: "v" }), "history-invalid-value", "value"],
    ["a cas value that is not a pair", withField({ f: "cas", value: ["a"] }), "history-invalid-value", "value"],
    ["a cas pair with a number", withField({ f: "cas", value: ["a", 2] }), "history-invalid-value", "value[1]"],
    ["a negative time", withField({ time: -5 }), "history-invalid-integer", "time"],
    ["a time past the safe integers", withField({ time: 2 ** 60 }), "history-invalid-integer", "time"],
    ["an empty line", "", "history-empty-line", undefined],
  ];
  for (const [what, badLine, code, field] of rejections) {
    it(`rejects ${what} with a specific error naming line 2${field === undefined ? "" : ` and field ${field}`}`, () => {
      const decoded = decodeHistoryJsonLines(`${good}\n${badLine}\n${good}\n`);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) return;
      expect(decoded.error.code).toBe(code);
      expect(decoded.error.line).toBe(2);
      expect(decoded.error.field).toBe(field);
      expect(decoded.error.message.startsWith(field === undefined ? "line 2: " : `line 2, field "${field}": `)).toBe(true);
    });
  }

  it("enforces the line-length and event-count bounds", () => {
    const limits = { ...DEFAULT_HISTORY_LIMITS, maxLineChars: 100, maxEvents: 2 };
    const long = withField({ value: "x".repeat(200) });
    expect(decodeHistoryJsonLines(`${good}\n${long}\n`, limits)).toMatchObject({ ok: false, error: { code: "history-line-too-long", line: 2 } });
    expect(decodeHistoryJsonLines(`${good}\n${good}\n${good}\n`, limits)).toMatchObject({ ok: false, error: { code: "history-too-many-events" } });
    expect(decodeHistoryJsonLines(`${good}\n${good}\n`, limits).ok).toBe(true);
  });
});
