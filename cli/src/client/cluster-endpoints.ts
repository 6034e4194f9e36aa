import { blixardError, err, ok, type BlixardError, type Result } from "@blixard/core";

/** One node the client may talk to; `nodeId` is null until learned from the node's handshake. */
export interface ClusterEndpoint {
  readonly nodeId: string | null;
  readonly url: string;
}

/** A cluster list longer than this is a typo or an attack, not a cluster. */
export const CLUSTER_ENDPOINTS_MAX = 64;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Parse `--cluster` (or $BLIXARD_CLUSTER): a comma-separated list of
 * `ws://host:port` or `id=ws://host:port`. Ids are optional because a node
 * says who it is in its handshake.
 */
export function parseClusterList(text: string | undefined): Result<ClusterEndpoint[]> {
  if (text === undefined || text.trim() === "") {
    return err(usage("--cluster is required: a comma-separated list like ws://127.0.0.1:7001,ws://127.0.0.1:7002 (or set BLIXARD_CLUSTER)"));
  }
  const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length > CLUSTER_ENDPOINTS_MAX) return err(usage(`--cluster lists ${items.length} nodes; at most ${CLUSTER_ENDPOINTS_MAX} are allowed`));
  const endpoints: ClusterEndpoint[] = [];
  for (const item of items) {
    const parsed = parseEndpoint(item);
    if (!parsed.ok) return parsed;
    if (endpoints.some((e) => e.url === parsed.value.url)) return err(usage(`--cluster lists ${parsed.value.url} twice`));
    if (parsed.value.nodeId !== null && endpoints.some((e) => e.nodeId === parsed.value.nodeId)) {
      return err(usage(`--cluster names node ${parsed.value.nodeId} twice`));
    }
    endpoints.push(parsed.value);
  }
  return ok(endpoints);
}

function parseEndpoint(item: string): Result<ClusterEndpoint> {
  const eq = item.indexOf("=");
  const nodeId = eq < 0 ? null : item.slice(0, eq);
  const url = eq < 0 ? item : item.slice(eq + 1);
  if (nodeId !== null && !NODE_ID.test(nodeId)) {
    return err(usage(`--cluster entry "${clip(item)}" has node id "${clip(nodeId)}"; ids are 1-128 of [A-Za-z0-9._-]`));
  }
  const checked = checkWsUrl(url);
  if (!checked.ok) return err(usage(`--cluster entry "${clip(item)}" must look like ws://host:port or n1=ws://host:port: ${checked.error}`));
  return ok({ nodeId, url: checked.value });
}

/** A ws:// URL with a host and an explicit port, normalised (no trailing slash). */
export function checkWsUrl(url: string): Result<string, string> {
  return checkUrl(url, ["ws:"]);
}

/** A peer address as the replicated directory keeps it: ws:// or wss://, host and explicit port, normalised. */
export function checkPeerUrl(url: string): Result<string, string> {
  return checkUrl(url, ["ws:", "wss:"]);
}

function checkUrl(url: string, schemes: readonly string[]): Result<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err(`"${clip(url)}" is not a URL`);
  }
  if (!schemes.includes(parsed.protocol)) return err(`the scheme must be ${schemes.map((s) => `${s}//`).join(" or ")}, got ${parsed.protocol}//`);
  if (parsed.hostname === "") return err("the host is missing");
  if (parsed.port === "") return err("the port is missing");
  if (parsed.pathname !== "/" || parsed.search !== "" || parsed.username !== "") return err("only ws://host:port is allowed, no path, query or credentials");
  return ok(`${parsed.protocol}//${parsed.host}`);
}

export function usage(message: string): BlixardError {
  return blixardError("usage", message, { hint: "see --help" });
}

export function clip(text: string, maxChars = 80): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}…`;
}
