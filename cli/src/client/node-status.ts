import { blixardError, err, ok, type BlixardError, type Result } from "@blixard/core";

/** What a node's /status endpoint (blixard node --metrics-port) reports. */
export interface NodeStatusReport {
  readonly nodeId: string;
  readonly health: string;
  readonly role: string | null;
  readonly term: number | null;
  readonly leaderId: string | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
}

/** A /status answer bigger than this is not one. */
const STATUS_BYTES_MAX = 64 * 1024;
export const STATUS_URLS_MAX = 64;

/** `--metrics http://127.0.0.1:9101,...` (or n1=http://...): the nodes' status endpoints. */
export function parseStatusUrls(text: string): Result<string[]> {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length > STATUS_URLS_MAX) return err(blixardError("usage", `--metrics lists ${items.length} URLs; at most ${STATUS_URLS_MAX}`));
  const urls: string[] = [];
  for (const item of items) {
    const url = item.includes("=") && !item.startsWith("http") ? item.slice(item.indexOf("=") + 1) : item;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return err(blixardError("usage", `--metrics entry ${JSON.stringify(item.slice(0, 80))} is not a URL; use http://host:port`));
    }
    if (parsed.protocol !== "http:") return err(blixardError("usage", `--metrics entry ${JSON.stringify(item.slice(0, 80))} must be http://host:port`));
    urls.push(`http://${parsed.host}`);
  }
  return ok(urls);
}

/** GET <base>/status with a deadline; never throws. */
export async function fetchNodeStatus(baseUrl: string, timeoutMs: number): Promise<Result<NodeStatusReport>> {
  try {
    const response = await fetch(`${baseUrl}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) return err(statusError(baseUrl, `answered HTTP ${response.status}`));
    if (text.length > STATUS_BYTES_MAX) return err(statusError(baseUrl, `answered ${text.length} bytes, more than a status`));
    const body: unknown = JSON.parse(text);
    if (typeof body !== "object" || body === null || typeof (body as { nodeId?: unknown }).nodeId !== "string") {
      return err(statusError(baseUrl, "did not answer a node status object"));
    }
    return ok(body as NodeStatusReport);
  } catch (error) {
    return err(statusError(baseUrl, `could not be read: ${error instanceof Error ? error.message : String(error)}`));
  }
}

function statusError(baseUrl: string, why: string): BlixardError {
  return blixardError("status-unavailable", `${baseUrl}/status ${why}`, { hint: "start the node with --metrics-port and pass that port in --metrics" });
}
