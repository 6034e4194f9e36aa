import { createServer, type Server } from "node:http";
import { Gauge, Registry } from "prom-client";
import { clusterModuleName, OBSERVED_STATUSES, type BlixardNode, type ClusterModule } from "@blixard/core";

const RAFT_ROLES = ["follower", "pre-candidate", "candidate", "leader", "learner"] as const;
const HEALTHS = ["starting", "serving", "failed", "stopped"] as const;

/**
 * A node's Prometheus registry. Every gauge reads the node when scraped, so
 * the node's event loop never pays for metrics nobody asks for.
 */
export function nodeMetricsRegistry(node: BlixardNode): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: node.nodeId });
  const raft = () => node.raftStatus();
  const cluster = () => node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
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
    registers: [registry],
    collect() {
      const role = raft()?.role;
      for (const r of RAFT_ROLES) this.set({ role: r }, r === role ? 1 : 0);
    },
  });
  new Gauge({
    name: "blixard_node_health",
    help: "1 for this node's current health",
    labelNames: ["health"],
    registers: [registry],
    collect() {
      for (const h of HEALTHS) this.set({ health: h }, h === node.health ? 1 : 0);
    },
  });
  new Gauge({
    name: "blixard_vms",
    help: "VMs in the replicated state, by observed status",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      const vms = cluster()?.listVms() ?? [];
      for (const s of OBSERVED_STATUSES) this.set({ status: s }, vms.filter((vm) => vm.status === s).length);
    },
  });
  gauge("blixard_vms_on_this_host", "VMs placed on this node's host", () => cluster()?.vmsOnHost(node.nodeId).length);
  return registry;
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

/** Serve GET /metrics (Prometheus text) and GET /status (JSON) on 127.0.0.1:port. */
export async function startMetricsServer(node: BlixardNode, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const registry = nodeMetricsRegistry(node);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") {
      response.writeHead(405, { "content-type": "text/plain" }).end("only GET\n");
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
      );
    } else if (path === "/status") {
      response.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify(nodeStatusJson(node))}\n`);
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("try /metrics or /status\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
