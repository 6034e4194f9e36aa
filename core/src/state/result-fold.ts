import { isArrayIndex } from "./canonical-json";
import type { RollingDigest } from "./digest";

/**
 * Folding a command's result into the rolling digest without writing its JSON.
 * Every replica applies every entry, and JSON.stringify of the result (only to
 * hash it, and to cache it for a retry that rarely comes) was the largest
 * single cost of an apply.
 *
 * Only plain data that is canonical as it stands takes this path: objects with
 * sorted own keys (none array-index-like, none undefined), finite numbers,
 * arrays without holes or undefined, strings, booleans, null. For such a value
 * JSON.stringify writes its canonical JSON, and the fold is a function of that
 * JSON value alone, so a replica holding the result and one holding it parsed
 * back from a snapshot fold it alike. Anything else gets -1 from
 * `foldMeasured`, and the caller folds the canonical text instead.
 */

const maxFoldDepth = 32;

/**
 * Fold `value` into `d` and return an upper bound on the length of its JSON
 * text, in one walk; or return -1 when it cannot be folded structurally, and
 * then `d` holds a partial fold the caller must discard.
 */
export function foldMeasured(d: RollingDigest, value: unknown, depth = 0): number {
  if (value === null) {
    d.addUnit(0x10);
    return 4;
  }
  switch (typeof value) {
    case "boolean":
      d.addUnit(value ? 0x11 : 0x12);
      return 5;
    case "number":
      // The longest number text is 25 characters ("-0.0000012345678901234567").
      if (!Number.isFinite(value)) return -1;
      foldNumber(d, value);
      return 32;
    case "string":
      d.addUnit(0x16);
      d.addInteger(value.length);
      d.addString(value);
      return value.length * 6 + 2;
    case "object":
      break;
    default:
      return -1;
  }
  if (depth >= maxFoldDepth) return -1;
  let bound = 2;
  if (Array.isArray(value)) {
    d.addUnit(0x17);
    d.addInteger(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return -1;
      const item = foldMeasured(d, value[i], depth + 1);
      if (item < 0) return -1;
      bound += item + 1;
    }
    return bound;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return -1;
  // Each field opens with 0x1a and the object closes with 0x19: neither can start a value (0x10-0x18).
  d.addUnit(0x18);
  let previous: string | null = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return -1;
    if ((previous !== null && previous >= key) || isArrayIndex(key)) return -1;
    d.addUnit(0x1a);
    d.addInteger(key.length);
    d.addString(key);
    const field = foldMeasured(d, (value as Record<string, unknown>)[key], depth + 1);
    if (field < 0) return -1;
    bound += key.length * 6 + 3 + field + 1;
    previous = key;
  }
  d.addUnit(0x19);
  return bound;
}

function foldNumber(d: RollingDigest, n: number): void {
  // As JSON sees it: -0 is 0.
  if (Number.isSafeInteger(n)) {
    d.addUnit(n < 0 ? 0x13 : 0x14);
    d.addInteger(Math.abs(n));
    return;
  }
  const text = String(n);
  d.addUnit(0x15);
  d.addInteger(text.length);
  d.addString(text);
}
