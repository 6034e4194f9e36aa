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
    out += `${first ? "" : ","}${JSON.stringify(key)}:${field}`;
    first = false;
  }
  return `${out}}`;
}

const arrayIndex = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * Sorted keys, in the order the former sort-then-stringify produced: a JS
 * object lists array-index keys ("0", "17") first, ascending by value, then
 * the rest in insertion (here: sorted) order. Kept so digests stay the same.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value).sort();
  let indexKeys: string[] | null = null;
  for (const key of keys) {
    if (arrayIndex.test(key) && Number(key) < 4294967295) (indexKeys ??= []).push(key);
  }
  if (indexKeys === null) return keys;
  indexKeys.sort((a, b) => Number(a) - Number(b));
  const isIndex = new Set(indexKeys);
  return [...indexKeys, ...keys.filter((k) => !isIndex.has(k))];
}
