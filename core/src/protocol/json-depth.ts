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
