import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/state/canonical-json";

const jsonish = fc.jsonValue({ maxDepth: 4 });

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  const order = keys.map((k, i) => [k, (i * 2654435761 + seed) % 1000] as const).sort((a, b) => a[1] - b[1]);
  const out: Record<string, unknown> = {};
  for (const [k] of order) Object.defineProperty(out, k, { value: shuffleKeys((value as Record<string, unknown>)[k], seed + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

describe("canonicalJson", () => {
  it("is valid JSON that parses back to the same value", () => {
    fc.assert(fc.property(jsonish, (v) => {
      expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v))); // as JSON sees it: -0 is written as 0
    }), { numRuns: 500 });
  });

  it("does not depend on the order fields were inserted in", () => {
    fc.assert(fc.property(jsonish, fc.nat(1000), (v, seed) => {
      expect(canonicalJson(shuffleKeys(v, seed))).toBe(canonicalJson(v));
    }), { numRuns: 500 });
  });

  it("matches JSON.stringify of a copy built with sorted keys (the original definition), keys of any shape", () => {
    const sortedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortedCopy);
      if (value === null || typeof value !== "object") return value;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) Object.defineProperty(out, k, { value: sortedCopy((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
      return out;
    };
    const key = fc.oneof(fc.string(), fc.nat().map(String), fc.constantFrom("0", "01", "4294967294", "4294967295", "-1", "1e3", 'a"b', "\u00e9", "\n"));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(key, tie("node"), { maxKeys: 6 })),
    })).node;
    fc.assert(fc.property(value, (v) => {
      expect(canonicalJson(v)).toBe(JSON.stringify(sortedCopy(v)));
    }), { numRuns: 1000 });
  });

  it("sorts keys, drops undefined fields, writes undefined array items as null, keeps a __proto__ key", () => {
    expect(canonicalJson({ b: 1, a: [undefined, 2], c: undefined })).toBe('{"a":[null,2],"b":1}');
    expect(canonicalJson({ z: 1, 10: "x", 2: "y" })).toBe('{"2":"y","10":"x","z":1}');
    expect(canonicalJson(JSON.parse('{"__proto__":[1]}'))).toBe('{"__proto__":[1]}');
  });
});
