/**
 * Quick real-cluster write bench (`pnpm bench:cluster-quick`), until the
 * shared bench against etcd exists: 3 `blixard node` processes on loopback,
 * closed-loop clients at 1, 16 and 64 putting 8-byte keys with 256-byte
 * values, writes/s, p50/p99/max latency, and fsyncs per write on the leader
 * (fsync + fdatasync counted by strace while the phase runs, when strace is
 * installed). Bounded: each phase runs PHASE_MS.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BlixardClient } from "../../cli/src/client/blixard-client";
import { parseClusterList } from "../../cli/src/client/cluster-endpoints";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../cli/src/node/local-node-process";

const PHASE_MS = Number(process.env.PHASE_MS ?? 8_000);
const CONCURRENCIES = (process.env.CLIENTS ?? "1,16,64").split(",").map(Number);
const VALUE = "v".repeat(256);
const repoRoot = join(import.meta.dirname, "..", "..");

async function strace(pid: number): Promise<{ stop: () => Promise<number | null> }> {
  const child = spawn("strace", ["-f", "-c", "-e", "trace=fsync,fdatasync", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let report = "";
  child.stderr.on("data", (chunk: Buffer) => (report += chunk.toString("utf8")));
  const failed = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(true));
    setTimeout(() => resolve(false), 300);
  });
  return {
    stop: async () => {
      if (failed) return null;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
      let total = 0;
      for (const line of report.split("\n")) {
        const cols = line.trim().split(/\s+/);
        if (cols.at(-1) === "fsync" || cols.at(-1) === "fdatasync") total += Number(cols[3]);
      }
      return total;
    },
  };
}

async function phase(urls: string, clients: number, leaderPid: number) {
  const endpoints = parseClusterList(urls);
  if (!endpoints.ok) throw new Error(endpoints.error.message);
  const connected = await Promise.all(Array.from({ length: clients }, () => BlixardClient.connect({ endpoints: endpoints.value, clusterId: "blixard", timeoutMs: 10_000 })));
  const live = connected.map((c) => {
    if (!c.ok) throw new Error(c.error.message);
    return c.value;
  });
  const latencies: number[] = [];
  let failures = 0;
  const counter = await strace(leaderPid);
  const started = performance.now();
  const deadline = started + PHASE_MS;
  await Promise.all(
    live.map(async (client, c) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const key = `k${String((c * 7919 + i) % 100_000).padStart(7, "0")}`;
        const t0 = performance.now();
        const result = await client.run({ module: "kv", command: { type: "put", key, value: VALUE } });
        if (result.ok) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const fsyncs = await counter.stop();
  await Promise.all(live.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const writes = latencies.length;
  process.stdout.write(
    `  clients ${String(clients).padStart(3)}: ${(writes / elapsedS).toFixed(0).padStart(6)} writes/s  p50 ${q(0.5).toFixed(1)} ms  p99 ${q(0.99).toFixed(1)} ms  max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms  failures ${failures}` +
      `  leader fsyncs/write ${fsyncs === null ? "n/a (no strace)" : (fsyncs / Math.max(1, writes)).toFixed(3)}\n`,
  );
}

async function main(): Promise<void> {
  const dataRoot = mkdtempSync(join(tmpdir(), "blixard-bench-cluster-"));
  const ids = ["n1", "n2", "n3"];
  const ports = await freeLoopbackPorts(6);
  const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
  const nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[3 + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }));
  try {
    const elected = await waitForLeader(nodes, 30_000);
    if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    const leader = nodes.find((n) => n.spec.nodeId === elected.leaderId);
    const urls = nodes.map((n) => n.url).join(",");
    process.stdout.write(`== cluster-quick: 3 nodes, leader ${elected.leaderId}, ${PHASE_MS} ms per phase\n`);
    for (const clients of CONCURRENCIES) await phase(urls, clients, leader?.pid ?? 0);
    const after = await waitForLeader(nodes, 5_000);
    process.stdout.write(`  leader after: ${after?.leaderId ?? "none"} term ${after?.term ?? "?"} (before: ${elected.leaderId} term ${elected.term})\n`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

await main();
