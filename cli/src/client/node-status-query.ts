import { blixardError, decodeWire, encodeWire, type BlixardError, type NodeStatusView, type Tracer } from "@blixard/core";
import { CryptoRandom, WsNet } from "@blixard/runtime-real";

export interface NodeStatusTarget {
  readonly nodeId: string;
  readonly url: string;
}

export type NodeStatusAnswer =
  | { readonly nodeId: string; readonly url: string; readonly ok: true; readonly status: NodeStatusView }
  | { readonly nodeId: string; readonly url: string; readonly ok: false; readonly error: BlixardError };

const silentTracer: Tracer = { event: () => {}, warn: () => {} };

/**
 * Ask every listed node for its own status (`{ module: "node", command: { type: "status" } }`)
 * over the wire protocol. Each node answers for itself — a follower is not
 * forwarded to the leader, and a node refusing to serve still says why — so
 * this works without /metrics. One dial-only endpoint, one request per node,
 * one deadline for all; never throws.
 */
export async function queryNodeStatuses(targets: readonly NodeStatusTarget[], clusterId: string, timeoutMs: number): Promise<NodeStatusAnswer[]> {
  if (targets.length === 0) return [];
  const net = await WsNet.startClient({ clusterId, tracer: silentTracer, random: new CryptoRandom(), handshakeTimeoutMs: Math.min(timeoutMs, 5_000) });
  const answers = new Map<string, NodeStatusAnswer>();
  const byRequest = new Map(targets.map((t, i) => [`${net.selfId}/status/${i}`, t]));
  try {
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, timeoutMs);
      net.onReceive((from, payload) => {
        const decoded = decodeWire(payload, from);
        if (!decoded.ok || decoded.value.kind !== "client-response") return;
        const response = decoded.value;
        const target = byRequest.get(response.requestId);
        if (target === undefined || target.nodeId !== from || answers.has(from)) return;
        answers.set(from, "result" in response ? { ...target, ok: true, status: response.result as NodeStatusView } : { ...target, ok: false, error: response.error });
        if (answers.size === targets.length) {
          clearTimeout(deadline);
          resolve();
        }
      });
      for (const [requestId, target] of byRequest) {
        net.addPeer(target.nodeId, target.url);
        net.send(target.nodeId, encodeWire({ v: 1, kind: "client-request", requestId, clientId: net.selfId, op: { module: "node", command: { type: "status" } } }));
      }
    });
  } finally {
    await net.close();
  }
  return targets.map(
    (t) =>
      answers.get(t.nodeId) ?? {
        ...t,
        ok: false,
        error: blixardError("status-timeout", `node ${t.nodeId} at ${t.url} did not answer a status query within ${timeoutMs} ms`, { hint: "check that the node is running and reachable" }),
      },
  );
}
