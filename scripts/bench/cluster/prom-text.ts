/**
 * Reads values out of a Prometheus text exposition: the sum of every series
 * of one metric name (a histogram's `_count`, a counter over all its labels),
 * optionally only the series whose labels contain `labelText`.
 */
export function promSum(text: string, name: string, labelText?: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    if (labelText !== undefined && !rest.includes(labelText)) continue;
    const value = Number(rest.slice(rest.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** GET a metrics page with a deadline; "" when it cannot be read (the caller reports the missing figure). */
export async function fetchText(url: string, timeoutMs: number): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.text() : "";
  } catch {
    return "";
  }
}
