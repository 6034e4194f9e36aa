/**
 * A real Blixard cluster on this machine: N `blixard node` processes on
 * 127.0.0.1, data in a temp dir, VMs as plain processes ("process" backend).
 * Waits for a leader, runs a short demo with the real CLI, prints commands to
 * try, and stops everything on Ctrl-C (or right after the demo with
 * --demo-and-exit).
 *
 *   pnpm tsx scripts/local-cluster.ts [--nodes 3] [--demo-and-exit] [--keep-data]
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { blixardCommand, freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../cli/src/node/local-node-process";

const NODES_MAX = 7;
const LEADER_WAIT_MS = 20_000;
const CLI_COMMAND_TIMEOUT_MS = 30_000;
const repoRoot = join(import.meta.dirname, "..");

const args = parseCommandLine();

/** --nodes N, --demo-and-exit, --keep-data; anything else is a usage error (exit 2). */
function parseCommandLine(): { nodes: number; demoAndExit: boolean; keepData: boolean } {
  try {
    const { values } = parseArgs({
      options: { nodes: { type: "string", default: "3" }, "demo-and-exit": { type: "boolean", default: false }, "keep-data": { type: "boolean", default: false } },
      strict: true,
    });
    const nodes = Number(values.nodes);
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX) throw new Error(`--nodes must be an integer from 1 to ${NODES_MAX}, got ${values.nodes}`);
    return { nodes, demoAndExit: values["demo-and-exit"], keepData: values["keep-data"] };
  } catch (error) {
    process.stderr.write(`local-cluster: ${(error as Error).message}\nusage: local-cluster [--nodes 3] [--demo-and-exit] [--keep-data]\n`);
    process.exit(2);
  }
}

// Nodes and demo commands run the built CLI; one run first rebuilds it if the sources changed, so the nodes do not all rebuild at once.
const [cliExecutable = process.execPath, ...cliPrefix] = blixardCommand("built");
execFileSync(cliExecutable, [...cliPrefix, "--version"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });

const dataRoot = mkdtempSync(join(tmpdir(), "blixard-local-"));
const ports = await freeLoopbackPorts(args.nodes * 2);
const ids = Array.from({ length: args.nodes }, (_, i) => `n${i + 1}`);
const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
const nodes = ids.map((id, i) =>
  LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[args.nodes + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }, "built"),
);
const clusterList = nodes.map((n) => n.url).join(",");
const metricsList = nodes.map((n) => n.statusUrl).join(",");

let stopping: Promise<void> | undefined;
function stopAll(reason: string): Promise<void> {
  stopping ??= (async () => {
    process.stdout.write(`\nstopping the cluster (${reason})...\n`);
    const codes = await Promise.all(nodes.map((n) => n.stop(5_000)));
    process.stdout.write(`nodes exited with ${codes.map((c, i) => `${ids[i]}=${String(c)}`).join(" ")}\n`);
    if (args.keepData) process.stdout.write(`data kept in ${dataRoot}\n`);
    else rmSync(dataRoot, { recursive: true, force: true });
  })();
  return stopping;
}
process.once("SIGINT", () => void stopAll("Ctrl-C").then(() => process.exit(0)));
process.once("SIGTERM", () => void stopAll("SIGTERM").then(() => process.exit(0)));

async function cli(...argv: string[]): Promise<void> {
  process.stdout.write(`\n$ blixard ${argv.map((a) => (/^[\w.:,/=-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}\n`);
  try {
    const { stdout, stderr } = await promisify(execFile)(cliExecutable, [...cliPrefix, ...argv], {
      cwd: repoRoot,
      env: { ...process.env, BLIXARD_CLUSTER: clusterList },
      timeout: CLI_COMMAND_TIMEOUT_MS,
    });
    process.stdout.write(stdout + stderr);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    process.stdout.write(`${failed.stdout ?? ""}${failed.stderr ?? ""}(exit ${String(failed.code)})\n`);
  }
}

process.stdout.write(`starting ${args.nodes} nodes, data in ${dataRoot}\n`);
const leader = await waitForLeader(nodes, LEADER_WAIT_MS);
if (leader === null) {
  process.stderr.write(`no leader within ${LEADER_WAIT_MS} ms\n${nodes.map((n) => n.describe()).join("\n\n")}\n`);
  await stopAll("no leader");
  process.exit(1);
}
process.stdout.write(`leader: ${leader.leaderId} (term ${leader.term})\n`);

await cli("kv", "put", "greeting", "hello from blixard");
await cli("kv", "get", "greeting");
await cli("vm", "create", "demo-vm", "--vcpus", "1", "--memory-mib", "128", "--wait");
await cli("vm", "list");
await cli("cluster", "status", "--metrics", metricsList);

if (args.demoAndExit) {
  await stopAll("--demo-and-exit");
  process.exit(0);
}
process.stdout.write(`
The cluster is running. Try (in another shell):
  export BLIXARD_CLUSTER=${clusterList}
  pnpm blixard kv scan ""
  pnpm blixard vm create web --vcpus 2 --memory-mib 256 --wait
  pnpm blixard vm status web
  pnpm blixard cluster hosts
  pnpm blixard cluster status --metrics ${metricsList}
  pnpm blixard cluster drain n1
Node traces: ${dataRoot}/<node>.trace.jsonl
Press Ctrl-C to stop the cluster.
`);
for (const node of nodes) {
  void node.exited.then((code) => {
    if (stopping === undefined) process.stderr.write(`node ${node.spec.nodeId} exited unexpectedly (${String(code)})\n${node.describe()}\n`);
  });
}
