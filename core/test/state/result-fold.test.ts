import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/state/canonical-json";
import { RollingDigest } from "../../src/state/digest";
import { KvModule } from "../../src/state/kv/module";
import { foldMeasured } from "../../src/state/result-fold";
import { StateMachine } from "../../src/state/state-machine";
import { LogBuilder } from "./helpers";

function foldHex(value: unknown): string {
  const d = new RollingDigest();
  expect(foldMeasured(d, value)).toBeGreaterThanOrEqual(0);
  return d.hex();
}

function foldableJsonBound(value: unknown): number {
  return foldMeasured(new RollingDigest(), value);
}

// JSON values, plus the shapes that must be refused: unsorted or index-like keys, -0, undefined, non-finite numbers.
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>({ b: 1, a: 2 }, { 1: "x", a: 1 }, -0, { a: undefined }, [undefined], Number.NaN, { a: Number.POSITIVE_INFINITY }, "\ud800", { a: { c: 1, b: 2 } }, -0.0000012345678901234567, -1.2345678901234567e-300),
);

describe("result fold", () => {
  it("takes only values whose JSON.stringify is their canonical JSON, and bounds its length", () => {
    fc.assert(
      fc.property(value, (v) => {
        const bound = foldableJsonBound(v);
        if (bound < 0) return;
        const text = JSON.stringify(v);
        expect(text).toBe(canonicalJson(v));
        expect(text.length).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 2000 },
    );
  });

  it("folds a value and its JSON parsed back alike, and different JSON values differently", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        if (foldableJsonBound(a) < 0 || foldableJsonBound(b) < 0) return;
        const reparsed = JSON.parse(JSON.stringify(a)) as unknown;
        expect(foldableJsonBound(reparsed)).toBeGreaterThanOrEqual(0);
        expect(foldHex(reparsed)).toBe(foldHex(a));
        if (canonicalJson(a) !== canonicalJson(b)) expect(foldHex(a)).not.toBe(foldHex(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("tells apart values that differ only in nesting or in where a string splits", () => {
    const values: unknown[] = [{}, [], [[]], { a: {} }, { a: [] }, { a: "b" }, { ab: "" }, ["ab"], ["a", "b"], [1, [2]], [[1], 2], { a: { b: 1 } }, { a: 1, b: 1 }, 0, "0", null, false];
    expect(new Set(values.map(foldHex)).size).toBe(values.length);
  });
});

describe("state machine with folded results", () => {
  it("a replica restored from a snapshot answers a retry with the same result and digest as one that applied it", () => {
    const log = new LogBuilder();
    const a = new StateMachine([new KvModule()]);
    a.apply(log.command({ type: "put", key: "k", value: "v" }, { clientId: "c1", seq: 1 }));
    a.apply(log.command({ type: "cas", key: "k", expected: "v", value: "w" }, { clientId: "c2", seq: 1 }));
    const b = new StateMachine([new KvModule()]);
    expect(b.restore(a.snapshot())).toEqual({ ok: true, value: undefined });
    for (const retry of [log.command({ type: "put", key: "k", value: "v" }, { clientId: "c1", seq: 1 }), log.command({ type: "cas", key: "k", expected: "v", value: "w" }, { clientId: "c2", seq: 1 })]) {
      const fromA = a.apply(retry);
      const fromB = b.apply(retry);
      expect(fromA.duplicate).toBe(true);
      expect(fromB.result).toEqual(fromA.result);
      expect(b.digest).toBe(a.digest);
    }
    expect(b.snapshot()).toBe(a.snapshot());
  });
});
