/**
 * Small byte arrays carved from shared 64 KiB slabs. Every `new Uint8Array(n)`
 * above V8's in-heap limit (64 bytes) allocates its own off-heap backing store,
 * which costs about 0.5 µs; a message or log record used to take several of
 * those on its way through encode, network and disk. A view on a slab costs a
 * few tens of nanoseconds. A slab is freed when no view into it is alive, so a
 * long-lived array (a log record the disk keeps) keeps its slab alive: at most
 * one slab per live small array, usually far less.
 *
 * Arrays handed out are zero-filled only when the slab was fresh: callers write
 * every byte they hand on (they are copies or encodes).
 */
const SLAB_BYTES = 64 * 1024;
/** Larger arrays get their own buffer: they are rare, and would waste a slab. */
const MAX_SLAB_ALLOCATION_BYTES = 4 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/** A fresh array of `length` bytes (contents unspecified unless the caller writes them). */
export function allocBytes(length: number): Uint8Array {
  if (length > MAX_SLAB_ALLOCATION_BYTES) return new Uint8Array(length);
  if (slabOffset + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const bytes = new Uint8Array(slab, slabOffset, length);
  // Keep every array 8-byte aligned, so a later Float64Array view of a copy would be legal.
  slabOffset += (length + 7) & ~7;
  return bytes;
}

/** A copy of `source[start, end)` that shares nothing with it. */
export function copyBytes(source: Uint8Array, start = 0, end = source.length): Uint8Array {
  const copy = allocBytes(end - start);
  copy.set(start === 0 && end === source.length ? source : source.subarray(start, end));
  return copy;
}

/** Big-endian u32 at `at` (no DataView: creating one per read was a measurable cost). */
export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) * 0x1000000 + (((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number))) >>> 0;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}
