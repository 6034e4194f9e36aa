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
  return write(value) ?? "undefined";
}

function write(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
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

function isArrayIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && arrayIndex.test(key) && Number(key) < 4294967295;
}
