import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import type { RandomSource } from "@blixard/core";
import { fnv1aString, mix32 } from "./hash";

/** Largest accepted run seed: any non-negative safe integer. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export function assertSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be an integer in [0, ${MAX_SEED}], got ${seed}`);
  }
  return seed;
}

/**
 * The 128-bit generator state for stream `name` of run `seed`. Hashing the
 * (seed, name) pair — rather than drawing streams one after another from a
 * master generator — keeps every stream independent of which other streams
 * exist, so adding a node or a fault class does not reshuffle unrelated choices.
 */
export function streamState(seed: number, name: string): [number, number, number, number] {
  assertSeed(seed);
  const seedLow = seed >>> 0;
  const seedHigh = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let h = fnv1aString(name, mix32(seedLow ^ mix32(seedHigh ^ 0x9e3779b9)));
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    // splitmix-style: step by the golden ratio, then mix.
    h = (h + 0x9e3779b9) >>> 0;
    words.push(mix32(h ^ mix32(seedHigh + i)) | 0);
  }
  if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1; // xoroshiro must not start at all-zero
  return [words[0]!, words[1]!, words[2]!, words[3]!];
}

/** A named, seeded stream implementing core's RandomSource. */
export class SimRandom implements RandomSource {
  private readonly generator: RandomGenerator;

  constructor(
    readonly seed: number,
    readonly name: string,
  ) {
    this.generator = xoroshiro128plusFromState(streamState(seed, name));
  }

  nextUint32(): number {
    return this.generator.next() >>> 0;
  }

  nextInt(minInclusive: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxInclusive) || minInclusive > maxInclusive) {
      throw new RangeError(`random stream ${this.name}: bad range [${minInclusive}, ${maxInclusive}]`);
    }
    return uniformInt(this.generator, minInclusive, maxInclusive);
  }

  nextFloat(): number {
    return uniformFloat64(this.generator);
  }

  /** True with probability `numerator / denominator`, decided in integers. */
  chance(numerator: number, denominator: number): boolean {
    if (numerator <= 0) return false;
    if (numerator >= denominator) return true;
    return this.nextInt(0, denominator - 1) < numerator;
  }

  /** True with probability p in [0, 1]. Uses a 2^-32 grid: p is rounded to it deterministically. */
  bernoulli(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.nextUint32() < Math.floor(probability * 0x1_0000_0000);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError(`random stream ${this.name}: pick from an empty list`);
    return items[this.nextInt(0, items.length - 1)]!;
  }

  /** A copy of `items` in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.nextInt(0, i);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * Factory of the run's streams. Conventional names: "node/<id>/random" (the
 * node's Runtime.random), "net/<from>", "clock", "disk/<id>", "process/<id>",
 * "nemesis/<class>", "swarm", "scenario", "client/<id>/random".
 */
export class RandomStreams {
  private readonly created = new Set<string>();

  constructor(readonly seed: number) {
    assertSeed(seed);
  }

  /** A fresh stream. Each name may be taken once per run, so two owners never share draws. */
  stream(name: string): SimRandom {
    if (this.created.has(name)) {
      throw new Error(`random stream "${name}" was already created in this run; streams are not shared`);
    }
    this.created.add(name);
    return new SimRandom(this.seed, name);
  }

  /** A stream that may be re-created (e.g. per node incarnation names like "node/n1/random#2"). */
  has(name: string): boolean {
    return this.created.has(name);
  }
}
