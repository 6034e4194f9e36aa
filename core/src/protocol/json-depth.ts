/** Deepest array/object nesting accepted in a wire message. */
export const maxJsonDepth = 64;

/**
 * True when `value` nests arrays/objects deeper than `maxDepth`. Iterative, so
 * a hostile 8 MiB "[[[[...]]]]" cannot overflow the stack here — and once it
 * passes, recursive validators downstream are safe too.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== "object" || node === null) continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The same bound read off the UTF-8 text of a JSON value before it is parsed:
 * the deepest run of '[' / '{' outside strings. Cheaper than walking the
 * parsed value (it runs on every JSON message). For valid JSON it agrees with
 * jsonDepthExceeds on the parsed value (a property test holds it to that).
 */
export function jsonTextDepthExceeds(bytes: Uint8Array, start: number, maxDepth: number): boolean {
  // Each level takes an opening and a closing byte: a short text cannot nest deep.
  if (bytes.length - start <= 2 * maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: the next byte is escaped
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}
