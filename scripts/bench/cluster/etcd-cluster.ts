import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freeLoopbackPorts } from "../../../cli/src/node/local-node-process";
import type { BenchCluster, ClusterSample, NodeSample } from "./cluster-sample";
import { fetchText, promSum } from "./prom-text";
import { processCpuMs } from "./proc-cpu";

export const ETCD_BINARY = "/usr/bin/etcd";
const LEADER_WAIT_MS = 30_000;
const POLL_MS = 100;
const SCRAPE_TIMEOUT_MS = 3_000;
const OUTPUT_LINES_KEPT_MAX = 50;

interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly child: ChildProcess;
  readonly output: string[];
  exited: boolean;
}

/** Why etcd cannot run here, or null when it can. */
export function etcdUnavailable(): string | null {
  if (!existsSync(ETCD_BINARY)) return `${ETCD_BINARY} is missing (Debian's etcd-server; bash scripts/setup.sh installs it)`;
  const version = spawnSync(ETCD_BINARY, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return version.status === 0 ? null : `${ETCD_BINARY} --version failed: ${version.stderr || version.error?.message || "no output"}`;
}

/**
 * Three etcd members (Debian's etcd-server) on 127.0.0.1 with free ports and
 * data dirs under `root`, etcd's defaults otherwise: the WAL is fsynced on
 * every commit (no --unsafe-no-fsync), snapshot every 100,000 entries, 100 ms
 * heartbeats, 1 s election timeout.
 */
export class EtcdBenchCluster implements BenchCluster {
  readonly system = "etcd" as const;
  readonly description: string;

  private constructor(private readonly members: readonly EtcdMember[], version: string) {
    this.description = `3 etcd ${version} processes, 127.0.0.1, defaults (WAL fsync per commit, bbolt backend), linearizable range reads`;
  }

  static async start(root: string): Promise<EtcdBenchCluster> {
    const ports = await freeLoopbackPorts(6);
    const names = ["e1", "e2", "e3"];
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[3 + i] ?? 0}`;
    const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
    const token = `blixard-bench-${randomBytes(4).toString("hex")}`;
    mkdirSync(root, { recursive: true });
    const members = names.map((name, i): EtcdMember => {
      const clientUrl = `http://127.0.0.1:${ports[i] ?? 0}`;
      const child = spawn(ETCD_BINARY, [
        "--name", name, "--data-dir", join(root, name),
        "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
        "--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i),
        "--initial-cluster", initialCluster, "--initial-cluster-token", token, "--initial-cluster-state", "new",
        "--logger", "zap", "--log-level", "warn",
      ], { stdio: ["ignore", "pipe", "pipe"] });
      const member: EtcdMember = { name, clientUrl, child, output: [], exited: false };
      const keep = (chunk: Buffer) => {
        member.output.push(...chunk.toString("utf8").split("\n").filter((l) => l !== ""));
        if (member.output.length > OUTPUT_LINES_KEPT_MAX) member.output.splice(0, member.output.length - OUTPUT_LINES_KEPT_MAX);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      child.once("exit", () => (member.exited = true));
      return member;
    });
    const version = spawnSync(ETCD_BINARY, ["--version"], { encoding: "utf8" }).stdout.match(/etcd Version: (\S+)/)?.[1] ?? "?";
    const cluster = new EtcdBenchCluster(members, version);
    const deadline = performance.now() + LEADER_WAIT_MS;
    while (performance.now() < deadline) {
      const sample = await cluster.sample();
      if (sample.nodes.every((n) => n.up) && sample.nodes.filter((n) => n.isLeader).length === 1) return cluster;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const why = cluster.describe();
    await cluster.stop();
    throw new Error(`the etcd cluster elected no leader within ${LEADER_WAIT_MS} ms:\n${why}`);
  }

  get pids(): Array<number | undefined> {
    return this.members.map((m) => m.child.pid);
  }

  /** The leader's client URL only: both systems' clients then send every request to the leader. */
  async endpoints(): Promise<string[]> {
    const sample = await this.sample();
    const leader = sample.nodes.findIndex((n) => n.isLeader);
    const member = this.members[leader];
    return member === undefined ? this.members.map((m) => m.clientUrl) : [member.clientUrl];
  }

  async sample(): Promise<ClusterSample> {
    const nodes = await Promise.all(this.members.map(async (member): Promise<NodeSample> => {
      const metrics = await fetchText(`${member.clientUrl}/metrics`, SCRAPE_TIMEOUT_MS);
      return {
        id: member.name,
        up: !member.exited && metrics !== "",
        isLeader: promSum(metrics, "etcd_server_is_leader") === 1,
        leaderChangesSeen: promSum(metrics, "etcd_server_leader_changes_seen_total"),
        logFsyncs: promSum(metrics, "etcd_disk_wal_fsync_duration_seconds_count"),
        logFsyncSeconds: promSum(metrics, "etcd_disk_wal_fsync_duration_seconds_sum"),
        cpuMs: processCpuMs(member.child.pid),
      };
    }));
    return { nodes };
  }

  /** SIGTERM each member by its pid, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (member) => {
      if (member.exited) return;
      const exited = new Promise((resolve) => member.child.once("exit", resolve));
      member.child.kill("SIGTERM");
      const timer = setTimeout(() => member.child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }));
  }

  describe(): string {
    return this.members.map((m) => `${m.name} (pid ${String(m.child.pid)}):\n${m.output.slice(-10).join("\n")}`).join("\n");
  }
}
