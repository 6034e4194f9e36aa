import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRegisterHistory } from "@blixard/runtime-sim";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";
import { repoRoot } from "./cli-helpers";
import { ClientHost } from "./netns/client-host";

/*
 * Jepsen-style crash test on real processes: three `blixard node` processes
 * on loopback serve a client host (history-client.ts: read, write and cas on
 * a few keys, every operation recorded) while the leader is SIGKILLed and
 * restarted from its data dir, then a follower is. The client history, final
 * reads included, must be linearizable: nothing acknowledged is lost across
 * the crashes and restarts, and no read sees a value that was overwritten.
 */
const ids = ["n1", "n2", "n3"];
const KEYS = ["k0", "k1", "k2", "k3"];
const LEADER_WAIT_MS = 30_000;
const RUN_BETWEEN_FAULTS_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nodes: LocalNodeProcess[] = [];
let hosts: ClientHost[] = [];
let dataRoot = "";

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.kill()));
  await Promise.all(nodes.map((n) => n.stop(3_000)));
  if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
});

async function leader(): Promise<string> {
  const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
  if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
  return elected.leaderId;
}

/** SIGKILL `id`, let the others run on, restart it from its own data dir. */
async function crashAndRestart(id: string): Promise<void> {
  const victim = nodes.find((n) => n.spec.nodeId === id);
  if (victim === undefined) throw new Error(`no node ${id}`);
  await victim.kill();
  await leader();
  await sleep(RUN_BETWEEN_FAULTS_MS);
  const revived = LocalNodeProcess.spawn(repoRoot, victim.spec);
  nodes = nodes.map((n) => (n === victim ? revived : n));
  await leader();
}

describe.skipIf(process.platform !== "linux")("SIGKILL of the leader and of a follower under a read/write/cas load", () => {
  it("keeps the client history linearizable across crashes and restarts", async () => {
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-sigkill-"));
    const ports = await freeLoopbackPorts(ids.length * 2);
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[ids.length + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts, traceFile: false }));
    await leader();
    const urls = nodes.map((n) => n.url);
    const args = (processBase: number, name: string) => ({ urls, clients: 4, processBase, keys: KEYS, opTimeoutMs: 2_000, maxDurationMs: 90_000, historyPath: join(dataRoot, `${name}.history.jsonl`) });
    hosts = [ClientHost.start(repoRoot, [], args(1_000, "load"))];
    await hosts[0]?.ready(30_000);
    await sleep(RUN_BETWEEN_FAULTS_MS);

    const firstLeader = await leader();
    await crashAndRestart(firstLeader);
    await sleep(RUN_BETWEEN_FAULTS_MS);
    const currentLeader = await leader();
    await crashAndRestart(ids.find((id) => id !== currentLeader) ?? "n1");
    await sleep(RUN_BETWEEN_FAULTS_MS);

    const load = await hosts[0]?.finish(20_000) ?? [];
    const finalHost = ClientHost.start(repoRoot, [], { ...args(9_000, "final"), finalReads: true });
    hosts.push(finalHost);
    const finalReads = await finalHost.finish(50_000);
    const history = [...load, ...finalReads].sort((a, b) => a.time - b.time);
    expect(finalReads.filter((e) => e.type === "ok").length).toBe(KEYS.length);
    const okWrites = history.filter((e) => e.type === "ok" && e.f !== "read").length;
    expect(okWrites).toBeGreaterThan(20);

    const checked = checkRegisterHistory(history);
    if (!checked.ok) throw new Error(checked.error.message);
    const bad = checked.value.keys.filter((k) => k.verdict !== "linearizable");
    expect(bad.map((k) => `${k.key}: ${k.verdict}${k.violation === undefined ? "" : `, blocked at ${JSON.stringify(k.violation.blocked)}`}`)).toEqual([]);
    process.stdout.write(`sigkill: ${(history.length / 2) | 0} ops, ${okWrites} acknowledged writes, ${history.filter((e) => e.type === "info").length} indeterminate; leader ${firstLeader} killed and restarted, then a follower\n`);
  }, 170_000);
});
