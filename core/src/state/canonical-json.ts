/**
 * JSON with object keys sorted at every level, so equal values always encode
 * to equal strings whatever order their fields were built in. Snapshots and
 * digests go through this. `undefined` fields are dropped and `undefined`
 * array items become null, as JSON.stringify does.
 *
 * Written straight to the output string: building a sorted copy first and
 * stringifying that cost an object per level on every apply.
 */
export function canonicalJson(value: unknown): string {
  // Most values (module results, built field by field in key order) are
  // already canonical in memory: then the native JSON.stringify writes the
  // same text, several times faster than the writer below.
  return write(value) ?? "undefined";
}

/**
 * True when JSON.stringify(value) is the canonical text: every object's keys
 * are already sorted (with none that JSON.stringify would order differently:
 * array-index keys), and nothing needs the writer's care (toJSON, undefined,
 * functions, symbols, bigints). Depth-limited: deep values take the writer.
 */
function isCanonicalAsIs(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (depth > 32) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined || !isCanonicalAsIs(item, depth + 1)) return false;
    }
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  let previous: string | null = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if ((previous !== null && previous >= key) || isArrayIndex(key)) return false;
    if (!isCanonicalAsIs((value as Record<string, unknown>)[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

function write(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  // A sorted subtree inside an unsorted value (a snapshot image) still gets the native writer.
  if (isCanonicalAsIs(value, 0)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += write(value[i]) ?? "null";
    }
    return `${out}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return write((value as { toJSON: () => unknown }).toJSON());
  const keys = sortedKeys(value);
  let out = "{";
  let first = true;
  for (const key of keys) {
    const field = write((value as Record<string, unknown>)[key]);
    if (field === undefined) continue;
    out += `${first ? "" : ","}${quoteKey(key)}:${field}`;
    first = false;
  }
  return `${out}}`;
}

/** A key as a JSON string; plain printable ASCII needs no escaping, so skips JSON.stringify. */
function quoteKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(key);
  }
  return `"${key}"`;
}

/**
 * Sorted keys, in the order the former sort-then-stringify produced: a JS
 * object lists array-index keys ("0", "17") first, ascending by value, then
 * the rest in insertion (here: sorted) order. Kept so digests stay the same.
 * Object.keys already lists index keys first and ascending, so only the rest
 * needs sorting, and objects built in key order (most results) need none.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  let start = 0;
  while (start < keys.length && isArrayIndex(keys[start] as string)) start++;
  for (let i = start + 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      if (start === 0) return keys.sort();
      return [...keys.slice(0, start), ...keys.slice(start).sort()];
    }
  }
  return keys;
}

const arrayIndex = /^(?:0|[1-9][0-9]{0,9})$/;

/** A key JSON.stringify lists before the others (an array index), whatever its insertion order. */
export function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && arrayIndex.test(key) && Number(key) < 4294967295;
}
