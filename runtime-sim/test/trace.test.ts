import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Trace } from "../src/trace/trace";

type Rec = [number, string, string, string];
const record: fc.Arbitrary<Rec> = fc.tuple(fc.nat({ max: 2 ** 40 }), fc.constantFrom("n1", "n2", "world"), fc.constantFrom("deliver", "timer", "net.send"), fc.string({ maxLength: 12 }));

function hashOf(records: readonly Rec[]): string {
  const trace = new Trace();
  for (const [at, node, kind, detail] of records) trace.record(at, node, kind, detail);
  return trace.digestHex();
}

describe("trace hash", () => {
  it("is 32 hex digits and the same for the same records", () => {
    fc.assert(fc.property(fc.array(record, { maxLength: 20 }), (records) => {
      const hash = hashOf(records);
      expect(hash).toMatch(/^[0-9a-f]{32}$/);
      expect(hashOf(records)).toBe(hash);
    }));
  });

  it("differs when any record differs, moves, or is dropped", () => {
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.array(record, { minLength: 1, maxLength: 20 }), (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      expect(hashOf(a)).not.toBe(hashOf(b));
    }), { numRuns: 500 });
  });

  it("tells apart records whose fields only split the same text differently", () => {
    expect(hashOf([[1, "n1", "ab", "c"]])).not.toBe(hashOf([[1, "n1", "a", "bc"]]));
    expect(hashOf([[1, "n1", "a", "b"], [2, "n1", "c", ""]])).not.toBe(hashOf([[1, "n1", "a", "b"], [2, "n1", "", "c"]]));
    expect(hashOf([[1, "n1", "x", "y"]])).not.toBe(hashOf([[2, "n1", "x", "y"]]));
  });
});
