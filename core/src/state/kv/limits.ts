/** Bounds the KV module enforces on every command, at propose time and again at apply time. */

/** Longest key, in UTF-8 bytes. */
export const maxKeyBytes = 1024;
/** Largest value, in UTF-8 bytes (1 MiB). */
export const maxValueBytes = 1024 * 1024;
/** Most operations in one batch. */
export const maxBatchOps = 1000;
/** Most key and value bytes one batch may carry in total (2 MiB), so a batch fits one wire message. */
export const maxBatchPayloadBytes = 2 * 1024 * 1024;
/** Most keys one scan page may return. */
export const maxScanLimitKeys = 10_000;
/**
 * Most key and value bytes one scan page returns (2 MiB). A page stops early at
 * this budget (always returning at least one entry) and hands back a cursor.
 */
export const maxScanPageBytes = 2 * 1024 * 1024;

/**
 * UTF-8 length of a JS string without allocating. A lone surrogate counts as
 * 3 bytes, as TextEncoder would encode it (U+FFFD).
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
