/**
 * Idle fsync rate (`pnpm bench:idle-fsync`): 3 `blixard node` processes on
 * loopback with no client load; after they settle, strace counts each node's
 * fsync + fdatasync calls for IDLE_MS and prints fsyncs per second per node.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../cli/src/node/local-node-process";

const IDLE_MS = Number(process.env.IDLE_MS ?? 10_000);
const SETTLE_MS = 5_000;
const repoRoot = join(import.meta.dirname, "..", "..");

function countFsyncs(pid: number, forMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn("strace", ["-f", "-c", "-e", "trace=fsync,fdatasync", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
    let report = "";
    child.stderr.on("data", (chunk: Buffer) => (report += chunk.toString("utf8")));
    child.once("error", () => resolve(null));
    const timer = setTimeout(() => child.kill("SIGINT"), forMs);
    child.once("exit", () => {
      clearTimeout(timer);
      let total = 0;
      for (const line of report.split("\n")) {
        const cols = line.trim().split(/\s+/);
        if (cols.at(-1) === "fsync" || cols.at(-1) === "fdatasync") total += Number(cols[3]);
      }
      resolve(total);
    });
  });
}

async function main(): Promise<void> {
  const dataRoot = mkdtempSync(join(tmpdir(), "blixard-bench-idle-"));
  const ids = ["n1", "n2", "n3"];
  const ports = await freeLoopbackPorts(6);
  const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
  const nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[3 + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }));
  try {
    if ((await waitForLeader(nodes, 30_000)) === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const counts = await Promise.all(nodes.map((n) => countFsyncs(n.pid ?? 0, IDLE_MS)));
    process.stdout.write(`== idle-fsync: 3 idle nodes, ${IDLE_MS} ms\n`);
    nodes.forEach((n, i) => {
      const count = counts[i];
      process.stdout.write(`  ${n.spec.nodeId}: ${count === null || count === undefined ? "n/a (no strace)" : `${((count * 1000) / IDLE_MS).toFixed(2)} fsyncs/s`}\n`);
    });
  } finally {
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

await main();
