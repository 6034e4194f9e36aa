import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, jsonTextDepthExceeds } from "../../src/protocol/json-depth";

const utf8 = new TextEncoder();

describe("jsonTextDepthExceeds", () => {
  it("agrees with the walk over the parsed value for any JSON text, at any bound", () => {
    const strings = fc.string({ unit: fc.constantFrom("a", "[", "]", "{", "}", '"', "\\\\", "é", "x") });
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "medium" }, fc.jsonValue({ maxDepth: 0 }), strings, fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(strings, tie("node"), { maxKeys: 3 })),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), fc.nat(3), (v, maxDepth, pad) => {
        const bytes = utf8.encode(" ".repeat(pad) + JSON.stringify(v) + " ".repeat(200));
        expect(jsonTextDepthExceeds(bytes, pad > 0 ? 1 : 0, maxDepth)).toBe(jsonDepthExceeds(v, maxDepth));
      }),
      { numRuns: 1000 },
    );
  });

  it("catches a deep document quickly", () => {
    const deep = utf8.encode("[".repeat(100_000) + "]".repeat(100_000));
    expect(jsonTextDepthExceeds(deep, 0, 64)).toBe(true);
  });
});
