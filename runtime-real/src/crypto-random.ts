import { randomFillSync } from "node:crypto";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomSource } from "@blixard/core";

/**
 * RandomSource for real nodes. Without a seed it draws from the OS CSPRNG
 * (node:crypto), so client ids and election jitter are unpredictable; with a
 * seed it is a xoroshiro128+ stream, so a test can replay a real node's choices.
 */
export interface CryptoRandomOptions {
  /** 32-bit integer seed for a reproducible stream; omit for OS randomness. */
  readonly seed?: number;
}

const UINT32_RANGE = 0x1_0000_0000;
/** Uint32s fetched from the OS per refill: amortises the syscall without holding much. */
const CRYPTO_BUFFER_WORDS = 256;

export class CryptoRandom implements RandomSource {
  private readonly nextWord: () => number;

  constructor(options: CryptoRandomOptions = {}) {
    this.nextWord = options.seed === undefined ? cryptoWords() : seededWords(options.seed);
  }

  nextUint32(): number {
    return this.nextWord();
  }

  nextInt(minInclusive: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxInclusive) || minInclusive > maxInclusive) {
      throw new RangeError(`nextInt(${minInclusive}, ${maxInclusive}): bounds must be safe integers with min <= max`);
    }
    const span = maxInclusive - minInclusive + 1;
    if (!Number.isSafeInteger(span)) {
      throw new RangeError(`nextInt(${minInclusive}, ${maxInclusive}): range wider than 2^53`);
    }
    return minInclusive + (span <= UINT32_RANGE ? this.below32(span) : this.below53(span));
  }

  nextFloat(): number {
    // 53 random bits: 27 from one word, 26 from the next.
    const high = this.nextWord() >>> 5;
    const low = this.nextWord() >>> 6;
    return (high * 0x400_0000 + low) / 0x20_0000_0000_0000;
  }

  /** Uniform in [0, span) for span <= 2^32, by rejection so no value is favoured. */
  private below32(span: number): number {
    const limit = UINT32_RANGE - (UINT32_RANGE % span);
    // Each draw is rejected with probability < 1/2, so 64 draws fail with probability < 2^-64.
    for (let attempt = 0; attempt < 64; attempt++) {
      const word = this.nextWord();
      if (word < limit) return word % span;
    }
    throw new Error("CryptoRandom: rejection sampling did not converge (broken source)");
  }

  /** Uniform in [0, span) for 2^32 < span <= 2^53. */
  private below53(span: number): number {
    const fullRange = 0x20_0000_0000_0000;
    const limit = fullRange - (fullRange % span);
    for (let attempt = 0; attempt < 64; attempt++) {
      const value = (this.nextWord() >>> 11) * UINT32_RANGE + this.nextWord();
      if (value < limit) return value % span;
    }
    throw new Error("CryptoRandom: rejection sampling did not converge (broken source)");
  }
}

function seededWords(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new RangeError(`CryptoRandom: seed ${seed} must be an integer`);
  const generator = xoroshiro128plus(seed | 0);
  return () => generator.next() >>> 0;
}

function cryptoWords(): () => number {
  const buffer = new Uint32Array(CRYPTO_BUFFER_WORDS);
  let next = CRYPTO_BUFFER_WORDS;
  return () => {
    if (next >= CRYPTO_BUFFER_WORDS) {
      randomFillSync(buffer);
      next = 0;
    }
    return buffer[next++]!;
  };
}
