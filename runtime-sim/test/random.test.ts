import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStreams, SimRandom, streamState } from "../src/index";

const draw = (r: SimRandom, n: number): number[] => Array.from({ length: n }, () => r.nextUint32());

describe("seeded streams", () => {
  it("same (seed, name) gives the same sequence; different names or seeds differ", () => {
    expect(draw(new SimRandom(42, "node/n1/random"), 20)).toEqual(draw(new SimRandom(42, "node/n1/random"), 20));
    expect(draw(new SimRandom(42, "node/n1/random"), 20)).not.toEqual(draw(new SimRandom(42, "node/n2/random"), 20));
    expect(draw(new SimRandom(42, "node/n1/random"), 20)).not.toEqual(draw(new SimRandom(43, "node/n1/random"), 20));
  });

  it("a stream does not depend on which other streams exist (adding a node reshuffles nothing)", () => {
    const lone = new RandomStreams(9).stream("net/n1");
    const crowd = new RandomStreams(9);
    crowd.stream("net/n0");
    crowd.stream("nemesis/crash");
    expect(draw(crowd.stream("net/n1"), 10)).toEqual(draw(lone, 10));
  });

  it("refuses to hand the same stream to two owners", () => {
    const streams = new RandomStreams(1);
    streams.stream("x");
    expect(() => streams.stream("x")).toThrow(/already created/);
  });

  it("distinguishes seeds above 2^32", () => {
    expect(streamState(1, "a")).not.toEqual(streamState(1 + 2 ** 32, "a"));
  });

  it("nextInt stays in range and nextFloat in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (seed, min, span) => {
        const r = new SimRandom(seed, "t");
        for (let i = 0; i < 20; i++) {
          const v = r.nextInt(min, min + span);
          expect(v).toBeGreaterThanOrEqual(min);
          expect(v).toBeLessThanOrEqual(min + span);
          const f = r.nextFloat();
          expect(f >= 0 && f < 1).toBe(true);
        }
      }),
    );
    expect(() => new SimRandom(1, "t").nextInt(3, 2)).toThrow(/bad range/);
  });

  it("rejects bad seeds", () => {
    expect(() => new RandomStreams(-1)).toThrow(/seed/);
    expect(() => new RandomStreams(1.5)).toThrow(/seed/);
  });
});
