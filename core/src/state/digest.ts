import { hex32 } from "../codec/hex";

/**
 * FNV-1a 64-bit over the UTF-16 code units of strings (each unit fed as two
 * bytes, low then high). Pure integer arithmetic on 16-bit limbs, so every
 * platform computes the same digest. Not cryptographic: it
 * exists to compare replicas cheaply, not to resist an adversary.
 */
export interface Fnv64 {
  readonly hi: number;
  readonly lo: number;
}

export const fnv64Offset: Fnv64 = { hi: 0xcbf29ce4, lo: 0x84222325 };

// The FNV 64 prime is 2^40 + 0x1b3. The state is kept as four 16-bit limbs so
// every product fits comfortably in an int32/double: (limb · 0x1b3) < 2^25.
const primeLow = 0x1b3;

class Fnv64State {
  h0: number;
  h1: number;
  h2: number;
  h3: number;

  constructor(h: Fnv64) {
    this.h0 = h.lo & 0xffff;
    this.h1 = h.lo >>> 16;
    this.h2 = h.hi & 0xffff;
    this.h3 = h.hi >>> 16;
  }

  /** h = (h XOR byte) · prime mod 2^64. */
  mix(byte: number): void {
    const h0 = this.h0 ^ byte;
    const t0 = h0 * primeLow;
    const t1 = this.h1 * primeLow + (t0 >>> 16);
    const t2 = this.h2 * primeLow + (h0 << 8) + (t1 >>> 16);
    this.h3 = (this.h3 * primeLow + (this.h1 << 8) + (t2 >>> 16)) & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h0 = t0 & 0xffff;
  }

  value(): Fnv64 {
    return { hi: (this.h3 * 0x10000 + this.h2) >>> 0, lo: (this.h1 * 0x10000 + this.h0) >>> 0 };
  }
}

/** FNV-1a over raw bytes (each element taken mod 256). */
export function fnv64Bytes(h: Fnv64, bytes: ArrayLike<number>): Fnv64 {
  const state = new Fnv64State(h);
  for (let i = 0; i < bytes.length; i++) state.mix((bytes[i] as number) & 0xff);
  return state.value();
}

/** FNV-1a over the UTF-16 code units of `text`, low byte first. */
export function fnv64Update(h: Fnv64, text: string): Fnv64 {
  const state = new Fnv64State(h);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    state.mix(unit & 0xff);
    state.mix(unit >>> 8);
  }
  return state.value();
}

/**
 * A running 64-bit hash for equality checks between runs and replicas: the
 * state machine's rolling digest and the simulator's trace hash. Two 32-bit
 * multiplicative lanes (FNV-1a's and murmur's multipliers), each with an
 * xor-shift so high input bits reach low state bits, fed one UTF-16 unit or
 * 32-bit word at a time and mutated in place. It runs on every apply of every
 * replica and every trace record, where FNV-1a 64 over 16-bit limbs (or
 * SHA-256 over text) cost ten times as much. It detects accidental differences
 * (a chance collision is 2^-64); it does not resist an adversary.
 */
export class RollingDigest {
  private a: number;
  private b: number;

  constructor(start: Fnv64 = fnv64Offset) {
    this.a = start.hi | 0;
    this.b = start.lo | 0;
  }

  get value(): Fnv64 {
    return { hi: this.a >>> 0, lo: this.b >>> 0 };
  }

  hex(): string {
    return hex32(this.a >>> 0) + hex32(this.b >>> 0);
  }

  reset(to: Fnv64): void {
    this.a = to.hi | 0;
    this.b = to.lo | 0;
  }

  /** Another digest's state, as two words. */
  addDigest(other: RollingDigest): void {
    this.addUnit(other.a);
    this.addUnit(other.b);
  }

  /** One 32-bit word (a UTF-16 unit is one too). */
  addUnit(unit: number): void {
    const a = Math.imul(this.a ^ unit, 0x01000193);
    this.a = a ^ (a >>> 15);
    const b = Math.imul(this.b + unit, 0x5bd1e995);
    this.b = b ^ (b >>> 13);
  }

  addString(text: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      a = Math.imul(a ^ unit, 0x01000193);
      a ^= a >>> 15;
      b = Math.imul(b + unit, 0x5bd1e995);
      b ^= b >>> 13;
    }
    this.a = a;
    this.b = b;
  }

  /** A non-negative safe integer, as its low and high 32-bit words (fixed width: no separator needed). */
  addInteger(n: number): void {
    // Without `%`: a floating-point modulo per traced record was a measurable cost.
    if (n <= 0x7fffffff) {
      this.addUnit(n | 0);
      this.addUnit(0);
      return;
    }
    const high = Math.floor(n / 0x100000000);
    this.addUnit((n - high * 0x100000000) | 0);
    this.addUnit(high);
  }
}


export function fnv64Hex(h: Fnv64): string {
  return hex32(h.hi >>> 0) + hex32(h.lo >>> 0);
}

export function fnv64FromHex(hex: string): Fnv64 | null {
  if (!/^[0-9a-f]{16}$/.test(hex)) return null;
  return { hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8), 16) };
}

/** Digest of one string, as 16 lowercase hex digits. */
export function fnv64String(text: string): string {
  return fnv64Hex(fnv64Update(fnv64Offset, text));
}
