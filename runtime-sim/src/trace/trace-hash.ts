/**
 * The trace's 128-bit running hash: four 32-bit multiplicative lanes fed one
 * UTF-16 unit at a time, straight from each record's fields. Hashing SHA-256
 * over a concatenated text copy of every record cost 5–7% of a simulated run;
 * this costs a fraction of that. It detects an accidental difference between
 * two runs (what the determinism check needs), not a chosen one.
 */
export class TraceHash {
  private a = 0x811c9dc5 | 0;
  private b = 0x9e3779b9 | 0;
  private c = 0x85ebca6b | 0;
  private d = 0xc2b2ae35 | 0;

  addString(text: string): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      a = Math.imul(a ^ unit, 0x01000193);
      b = Math.imul(b ^ unit, 0x5bd1e995);
      b ^= b >>> 15;
      c = Math.imul(c + unit, 0x27d4eb2f);
      c ^= c >>> 13;
      d = Math.imul(d + unit, 0x165667b1);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** A non-negative safe integer, as its low and high 32-bit words (one step each: every record has a time). */
  addInteger(n: number): void {
    const low = n % 0x100000000;
    this.addUnit(low | 0);
    this.addUnit((n - low) / 0x100000000);
  }

  /** One 32-bit word (a UTF-16 unit is one too). */
  addUnit(unit: number): void {
    this.a = Math.imul(this.a ^ unit, 0x01000193);
    const b = Math.imul(this.b ^ unit, 0x5bd1e995);
    this.b = b ^ (b >>> 15);
    const c = Math.imul(this.c + unit, 0x27d4eb2f);
    this.c = c ^ (c >>> 13);
    this.d = Math.imul(this.d + unit, 0x165667b1);
  }

  /** 32 hex digits; the lanes are finished in a chain through murmur3's mixer, so every lane reaches every digit. */
  hex(): string {
    const w = fmix32(this.a);
    const x = fmix32(this.b ^ w);
    const y = fmix32(this.c ^ x);
    const z = fmix32(this.d ^ y);
    return [fmix32(w ^ z), x, y, z].map((v) => v.toString(16).padStart(8, "0")).join("");
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
