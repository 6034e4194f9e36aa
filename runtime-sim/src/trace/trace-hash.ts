/**
 * The trace's 64-bit running hash: two 32-bit multiplicative lanes, each with
 * an xor-shift so high input bits reach low state bits, fed one UTF-16 unit or
 * 32-bit word at a time straight from each record's fields. Hashing SHA-256
 * over a text copy of every record cost 5–7% of a simulated run; this costs a
 * fraction of that. It detects an accidental difference between two runs
 * (what the determinism check needs: a chance collision is 2^-64), not a
 * chosen one.
 */
export class TraceHash {
  private a = 0x811c9dc5 | 0;
  private b = 0x9e3779b9 | 0;

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

  /** A non-negative safe integer, as its low and high 32-bit words. */
  addInteger(n: number): void {
    const low = n % 0x100000000;
    this.addUnit(low | 0);
    this.addUnit((n - low) / 0x100000000);
  }

  /** One 32-bit word (a UTF-16 unit is one too). */
  addUnit(unit: number): void {
    const a = Math.imul(this.a ^ unit, 0x01000193);
    this.a = a ^ (a >>> 15);
    const b = Math.imul(this.b + unit, 0x5bd1e995);
    this.b = b ^ (b >>> 13);
  }

  /** 16 hex digits; the lanes are finished through murmur3's mixer, each reaching the other's digits. */
  hex(): string {
    const x = fmix32(this.a);
    const y = fmix32(this.b ^ x);
    return [fmix32(x ^ y), y].map((v) => v.toString(16).padStart(8, "0")).join("");
  }
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
