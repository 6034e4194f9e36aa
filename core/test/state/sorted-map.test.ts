import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedMap } from "../../src/state/kv/sorted-map";

const keyArb = fc.string({ maxLength: 3, unit: fc.constantFrom("a", "b", "c", "é", "😀") });
const opArb = fc.oneof(
  fc.record({ op: fc.constant("set" as const), key: keyArb, value: fc.nat() }),
  fc.record({ op: fc.constant("delete" as const), key: keyArb }),
);

describe("SortedMap against a sorted-array model", () => {
  it("get, size, ordered iteration and entriesFrom agree after any sequence of sets and deletes", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), fc.integer({ min: 2, max: 8 }), keyArb, (ops, chunkKeys, probe) => {
        const map = new SortedMap<number>(chunkKeys);
        const model = new Map<string, number>();
        for (const step of ops) {
          if (step.op === "set") {
            map.set(step.key, step.value);
            model.set(step.key, step.value);
          } else {
            expect(map.delete(step.key)).toBe(model.delete(step.key));
          }
        }
        const sorted = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        expect(map.size).toBe(model.size);
        expect([...map.entries()]).toEqual(sorted);
        expect(map.get(probe)).toBe(model.get(probe));
        expect([...map.entriesFrom(probe)]).toEqual(sorted.filter(([k]) => k >= probe));
        expect([...map.entriesFrom(probe, true)]).toEqual(sorted.filter(([k]) => k > probe));
        const reloaded = new SortedMap<number>(chunkKeys);
        expect(reloaded.loadSorted(sorted)).toBe(-1);
        expect([...reloaded.entriesFrom(probe, true)]).toEqual(sorted.filter(([k]) => k > probe));
        reloaded.set(probe, -1);
        expect(reloaded.get(probe)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it("loadSorted refuses unordered or duplicate keys and keeps its contents", () => {
    const map = new SortedMap<number>();
    map.set("keep", 1);
    expect(map.loadSorted([["b", 1], ["a", 2]])).toBe(1);
    expect(map.loadSorted([["a", 1], ["a", 2]])).toBe(1);
    expect([...map.entries()]).toEqual([["keep", 1]]);
  });
});
