/**
 * The benchmark's operations, the same for Blixard and etcd: 8-byte keys
 * drawn from a fixed key space and 256-byte values, each value distinct.
 */
export const KEY_BYTES = 8;
export const VALUE_BYTES = 256;
/** Keys a run draws from: big enough that 64 clients rarely touch the same key at once. */
export const KEY_SPACE = 100_000;

const FILLER = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(Math.ceil(VALUE_BYTES / 36));

/** Key number `n` as exactly KEY_BYTES ASCII bytes: "k" and seven base-36 digits. */
export function benchKey(n: number): string {
  return `k${(n % KEY_SPACE).toString(36).padStart(KEY_BYTES - 1, "0")}`;
}

/** A distinct VALUE_BYTES ASCII value: who wrote it and its sequence number, then filler. */
export function benchValue(writer: string, seq: number): string {
  const head = `${writer}:${seq}:`;
  return head + FILLER.slice(0, VALUE_BYTES - head.length);
}

/** A small, fast, seedable generator for key choice (xorshift32); quality is irrelevant here. */
export function keyPicker(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % KEY_SPACE;
  };
}
