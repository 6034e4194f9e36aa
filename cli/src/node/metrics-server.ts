import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Gauge, type Registry } from "prom-client";
import { clusterModuleName, OBSERVED_STATUSES, type BlixardNode, type ClusterModule } from "@blixard/core";
import type { WsNet } from "@blixard/runtime-real";

const RAFT_ROLES = ["follower", "pre-candidate", "candidate", "leader", "learner"] as const;
const HEALTHS = ["starting", "serving", "failed", "stopped"] as const;
const CONNECTION_STATES = ["pending", "peer", "client"] as const;

/**
 * Gauges that read the node (and its transport) when scraped, so the node's
 * event loop never pays for metrics nobody asks for. Counters and histograms
 * are in node-metrics.ts.
 */
export function registerNodeGauges(registry: Registry, node: BlixardNode, net: WsNet | null): void {
  const raft = () => node.raftStatus();
  const cluster = () => node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });
  gauge("blixard_raft_term", "Current Raft term", () => raft()?.term);
  gauge("blixard_raft_commit_index", "Highest log index known committed", () => raft()?.commitIndex);
  gauge("blixard_raft_applied_index", "Highest log index applied to the state machine", () => node.stateMachine.appliedIndex);
  gauge("blixard_raft_last_index", "Last index in this node's log", () => raft()?.lastIndex);
  gauge("blixard_pending_requests", "Client requests this node holds unanswered (proposals, reads, forwards)", () => node.pendingRequestCount());
  new Gauge({
    name: "blixard_raft_role",
    help: "1 for this node's current Raft role",
    labelNames: ["role"],
    registers,
    collect() {
      const role = raft()?.role;
      for (const r of RAFT_ROLES) this.set({ role: r }, r === role ? 1 : 0);
    },
  });
  new Gauge({
    name: "blixard_node_health",
    help: "1 for this node's current health",
    labelNames: ["health"],
    registers,
    collect() {
      for (const h of HEALTHS) this.set({ health: h }, h === node.health ? 1 : 0);
    },
  });
  new Gauge({
    name: "blixard_vms",
    help: "VMs in the replicated state, by observed status",
    labelNames: ["status"],
    registers,
    collect() {
      const vms = cluster()?.listVms() ?? [];
      for (const s of OBSERVED_STATUSES) this.set({ status: s }, vms.filter((vm) => vm.status === s).length);
    },
  });
  gauge("blixard_vms_on_this_host", "VMs placed on this node's host", () => cluster()?.vmsOnHost(node.nodeId).length);
  if (net === null) return;
  new Gauge({
    name: "blixard_net_connections",
    help: "Inbound connections: pending (not yet identified), peer and client",
    labelNames: ["state"],
    registers,
    collect() {
      const stats = net.stats();
      const by = { pending: stats.pendingConnections, peer: stats.peerConnections, client: stats.clientConnections };
      for (const state of CONNECTION_STATES) this.set({ state }, by[state]);
    },
  });
  gauge("blixard_net_inbound_queued_frames", "Client and forwarded frames waiting for their turn", () => net.stats().queuedInboundFrames);
}

/** What /status answers: the Raft view a client cannot see over the wire protocol. */
export function nodeStatusJson(node: BlixardNode): Record<string, unknown> {
  const status = node.raftStatus();
  return {
    nodeId: node.nodeId,
    health: node.health,
    failure: node.failureReason(),
    role: status?.role ?? null,
    term: status?.term ?? null,
    leaderId: status?.leaderId ?? null,
    commitIndex: status?.commitIndex ?? null,
    appliedIndex: node.stateMachine.appliedIndex,
    lastIndex: status?.lastIndex ?? null,
    voters: status?.config.voters ?? [],
  };
}

/**
 * /health: 200 while the node runs and has not failed (a process supervisor's
 * liveness check); 503 with the failure once its storage or disk failed.
 * /ready: 200 when the node serves and knows a leader (it can take client
 * requests now); 503 with the reason otherwise (a load balancer's check).
 */
export function healthOf(node: BlixardNode): { status: number; body: Record<string, unknown> } {
  if (node.health === "failed" || node.health === "stopped") {
    return { status: 503, body: { status: node.health, failure: node.failureReason() } };
  }
  return { status: 200, body: { status: "ok", health: node.health } };
}

export function readinessOf(node: BlixardNode): { status: number; body: Record<string, unknown> } {
  const raft = node.raftStatus();
  const leaderId = raft?.leaderId ?? null;
  if (node.health !== "serving") return { status: 503, body: { ready: false, reason: `the node is ${node.health}`, failure: node.failureReason() } };
  if (leaderId === null) return { status: 503, body: { ready: false, reason: "no leader known (an election is running, or this node cannot reach a majority)" } };
  return { status: 200, body: { ready: true, role: raft?.role ?? null, leaderId, term: raft?.term ?? null } };
}

/** GET /metrics (Prometheus text), /health, /ready and /status (JSON). */
export function nodeHttpHandler(node: BlixardNode, registry: Registry): (request: IncomingMessage, response: ServerResponse) => void {
  const json = (response: ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { "content-type": "application/json", connection: "close" }).end(`${JSON.stringify(body)}\n`);
  return (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { "content-type": "text/plain", allow: "GET", connection: "close" }).end("only GET\n");
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType, connection: "close" }).end(text),
        (error: unknown) => response.writeHead(500, { "content-type": "text/plain", connection: "close" }).end(`${String(error)}\n`),
      );
    } else if (path === "/health") {
      const { status, body } = healthOf(node);
      json(response, status, body);
    } else if (path === "/ready") {
      const { status, body } = readinessOf(node);
      json(response, status, body);
    } else if (path === "/status") {
      json(response, 200, nodeStatusJson(node));
    } else {
      response.writeHead(404, { "content-type": "text/plain", connection: "close" }).end("try /metrics, /health, /ready or /status\n");
    }
  };
}

/** Serve `handler` on host:port (port 0 picks one); resolves once bound. */
export async function startMetricsServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  address: { readonly host: string; readonly port: number },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
