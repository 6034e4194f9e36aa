import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocBytes, copyBytes, readU32, writeU32 } from "../../src/codec/byte-slab";

describe("byte slab", () => {
  it("hands out arrays that never overlap: writing one leaves every other untouched", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 40 }), (lengths) => {
        const arrays = lengths.map((n, i) => {
          const a = allocBytes(n);
          a.fill(i & 0xff);
          return a;
        });
        arrays.forEach((a, i) => {
          expect(a.length).toBe(lengths[i]);
          expect(a.every((b) => b === (i & 0xff))).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("copies share nothing with their source", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), fc.nat(), (source, x, y) => {
        const start = source.length === 0 ? 0 : x % source.length;
        const end = start + (source.length === 0 ? 0 : y % (source.length - start + 1));
        const copy = copyBytes(source, start, end);
        expect([...copy]).toEqual([...source.subarray(start, end)]);
        const before = source.slice();
        copy.fill(0xaa);
        expect([...source]).toEqual([...before]);
      }),
      { numRuns: 300 },
    );
  });

  it("reads and writes big-endian u32 like DataView", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 8 }), (value, at) => {
        const bytes = new Uint8Array(12);
        writeU32(bytes, at, value);
        expect(new DataView(bytes.buffer).getUint32(at, false)).toBe(value);
        expect(readU32(bytes, at)).toBe(value);
      }),
    );
  });
});
