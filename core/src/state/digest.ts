/**
 * FNV-1a 64-bit over the UTF-16 code units of strings (each unit fed as two
 * bytes, low then high). Pure integer arithmetic on two 32-bit halves, exact in
 * doubles, so every platform computes the same digest. Not cryptographic: it
 * exists to compare replicas cheaply, not to resist an adversary.
 */
export interface Fnv64 {
  readonly hi: number;
  readonly lo: number;
}

export const fnv64Offset: Fnv64 = { hi: 0xcbf29ce4, lo: 0x84222325 };

const primeLow = 0x1b3; // FNV 64 prime is 2^40 + 0x1b3
const two32 = 0x1_0000_0000;

/** FNV-1a over raw bytes (each element taken mod 256). */
export function fnv64Bytes(h: Fnv64, bytes: ArrayLike<number>): Fnv64 {
  let hi = h.hi;
  let lo = h.lo;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ ((bytes[i] as number) & 0xff)) >>> 0;
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64, term by term; every product stays below 2^53.
    const loProduct = lo * primeLow;
    hi = (hi * primeLow + Math.floor(loProduct / two32) + (lo % 0x100_0000) * 0x100) % two32;
    lo = loProduct % two32;
  }
  return { hi, lo };
}

export function fnv64Update(h: Fnv64, text: string): Fnv64 {
  let hi = h.hi;
  let lo = h.lo;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    for (let shift = 0; shift <= 8; shift += 8) {
      lo = (lo ^ ((unit >>> shift) & 0xff)) >>> 0;
      const loProduct = lo * primeLow;
      hi = (hi * primeLow + Math.floor(loProduct / two32) + (lo % 0x100_0000) * 0x100) % two32;
      lo = loProduct % two32;
    }
  }
  return { hi, lo };
}

export function fnv64Hex(h: Fnv64): string {
  return h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");
}

export function fnv64FromHex(hex: string): Fnv64 | null {
  if (!/^[0-9a-f]{16}$/.test(hex)) return null;
  return { hi: parseInt(hex.slice(0, 8), 16), lo: parseInt(hex.slice(8), 16) };
}

/** Digest of one string, as 16 lowercase hex digits. */
export function fnv64String(text: string): string {
  return fnv64Hex(fnv64Update(fnv64Offset, text));
}
