import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";
import type { BenchCluster, ClusterSample, NodeSample } from "./cluster-sample";
import { fetchText, promSum } from "./prom-text";
import { processCpuMs } from "./proc-cpu";

const LEADER_WAIT_MS = 30_000;
const SCRAPE_TIMEOUT_MS = 3_000;

/**
 * Three `blixard node` processes from the built CLI on 127.0.0.1 (free ports,
 * data dirs under `root`), default settings: SQLite in WAL mode with
 * synchronous=FULL, so nothing is acknowledged before it is fsynced. No trace
 * file (it would cost CPU per event that etcd does not pay).
 */
export class BlixardBenchCluster implements BenchCluster {
  readonly system = "blixard" as const;
  readonly description = "3 blixard node processes (built CLI), 127.0.0.1, SQLite WAL synchronous=FULL (an fsync per commit), ReadIndex reads";

  private constructor(readonly nodes: readonly LocalNodeProcess[]) {}

  static async start(repoRoot: string, root: string, ids: readonly string[] = ["n1", "n2", "n3"]): Promise<BlixardBenchCluster> {
    const ports = await freeLoopbackPorts(ids.length * 2);
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    mkdirSync(root, { recursive: true });
    const nodes = ids.map((id, i) =>
      LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[ids.length + i] ?? 0, dataDir: join(root, id), clusterPorts, traceFile: false }),
    );
    const cluster = new BlixardBenchCluster(nodes);
    const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
    if (elected === null) {
      const why = cluster.describe();
      await cluster.stop();
      throw new Error(`the Blixard cluster elected no leader within ${LEADER_WAIT_MS} ms:\n${why}`);
    }
    return cluster;
  }

  get pids(): Array<number | undefined> {
    return this.nodes.map((n) => n.pid);
  }

  async endpoints(): Promise<string[]> {
    return this.nodes.map((n) => n.url);
  }

  async sample(): Promise<ClusterSample> {
    const nodes = await Promise.all(this.nodes.map(async (node): Promise<NodeSample> => {
      const [metrics, status] = await Promise.all([fetchText(`${node.statusUrl}/metrics`, SCRAPE_TIMEOUT_MS), node.status(SCRAPE_TIMEOUT_MS)]);
      return {
        id: node.spec.nodeId,
        up: node.running && metrics !== "",
        isLeader: status?.role === "leader",
        leaderChangesSeen: promSum(metrics, "blixard_raft_leader_changes_total"),
        logFsyncs: promSum(metrics, "blixard_disk_fsync_duration_seconds_count"),
        logFsyncSeconds: promSum(metrics, "blixard_disk_fsync_duration_seconds_sum"),
        cpuMs: processCpuMs(node.pid),
      };
    }));
    return { nodes };
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(5_000)));
  }

  describe(): string {
    return this.nodes.map((n) => n.describe()).join("\n");
  }
}
