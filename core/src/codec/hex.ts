const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** 8 lowercase hex digits, zero-padded (a table per byte: digests and traced messages run through this). */
export function hex32(value: number): string {
  const v = value >>> 0;
  return HEX_BYTE[v >>> 24]! + HEX_BYTE[(v >>> 16) & 0xff]! + HEX_BYTE[(v >>> 8) & 0xff]! + HEX_BYTE[v & 0xff]!;
}
