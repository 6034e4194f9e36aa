/**
 * Small integer hashes for deriving stream seeds and payload digests.
 * Pure 32-bit integer arithmetic (Math.imul, shifts): identical on every platform.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of a string. */
export function fnv1aString(text: string, start = FNV_OFFSET): number {
  let hash = start >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the output. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A payload's 32-bit digest for the trace: four bytes at a time (every message
 * and disk write is digested, so byte-wise FNV-1a was a measurable cost),
 * finished with murmur3's mixer.
 */
export function digest32(bytes: Uint8Array): number {
  const n = bytes.length;
  let hash = FNV_OFFSET ^ n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const word = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    hash = Math.imul(hash ^ word, 0x5bd1e995);
    hash ^= hash >>> 15;
  }
  for (; i < n; i++) hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME);
  return mix32(hash);
}
