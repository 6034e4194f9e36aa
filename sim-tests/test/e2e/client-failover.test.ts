import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlixardClient } from "../../../cli/src/client/blixard-client";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";
import { repoRoot } from "./cli-helpers";

/*
 * Client failover on real processes. A client writing one key after another
 * loses the leader to SIGKILL: its connection closes, the attempt fails at
 * once, the dead node is skipped, and the next write lands as soon as a new
 * leader exists. Then a majority dies, and the client says so within seconds,
 * naming the nodes it cannot reach.
 */
const LEADER_WAIT_MS = 20_000;
/** How often the test polls the survivors' /status to time the election. */
const STATUS_POLL_MS = 20;
const WRITES_AFTER_KILL_MS = 3_000;
/** The client may lag the election by this much (the bound). */
const FAILOVER_SLACK_MS = 300;
const ids = ["n1", "n2", "n3"];

let dataRoot = "";
let nodes: LocalNodeProcess[] = [];

describe.skipIf(process.platform !== "linux")("client failover on a real 3-node cluster", () => {
  let client: BlixardClient | null = null;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-failover-"));
    const ports = await freeLoopbackPorts(6);
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[3 + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }));
    const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    const connected = await BlixardClient.connect({ endpoints: nodes.map((n) => ({ nodeId: null, url: n.url })), clusterId: "blixard", timeoutMs: 10_000 });
    if (!connected.ok) throw new Error(connected.error.message);
    client = connected.value;
  });

  afterAll(async () => {
    await client?.close();
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
  });

  it("after a leader SIGKILL the client's write gap stays within the election time plus 300 ms", async () => {
    if (client === null) throw new Error("no client");
    const c = client;
    const put = (i: number) => c.run({ module: "kv", command: { type: "put", key: `failover-${i % 50}`, value: String(i) } });
    // Warm up: the client finds the leader and has written through it.
    for (let i = 0; i < 20; i++) expect((await put(i)).ok).toBe(true);
    const leaderId = (await Promise.all(nodes.map((n) => n.status()))).find((s) => s?.role === "leader")?.nodeId;
    const leader = nodes.find((n) => n.spec.nodeId === leaderId);
    if (leader === undefined) throw new Error("no leader to kill");
    const survivors = nodes.filter((n) => n !== leader);

    const completedMs: number[] = [];
    const failures: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 20; writing && i < 100_000; i++) {
        const done = await put(i);
        if (done.ok) completedMs.push(performance.now());
        else failures.push(`${done.error.code}: ${done.error.message}`);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedMs = performance.now();
    await leader.kill();
    // The election, timed from the kill to the first survivor that says it leads.
    let electedMs: number | null = null;
    while (electedMs === null && performance.now() - killedMs < LEADER_WAIT_MS) {
      const statuses = await Promise.all(survivors.map((n) => n.status(200)));
      if (statuses.some((s) => s?.role === "leader")) electedMs = performance.now();
      else await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
    }
    await new Promise((resolve) => setTimeout(resolve, WRITES_AFTER_KILL_MS));
    writing = false;
    await writer;
    if (electedMs === null) throw new Error("no new leader");
    const lastBefore = Math.max(...completedMs.filter((t) => t <= killedMs));
    const firstAfter = Math.min(...completedMs.filter((t) => t > killedMs));
    const gapMs = firstAfter - lastBefore;
    const electionMs = electedMs - killedMs;
    process.stdout.write(`failover: election ${electionMs.toFixed(0)} ms after the kill, client write gap ${gapMs.toFixed(0)} ms (first write ${(firstAfter - killedMs).toFixed(0)} ms after the kill)\n`);
    expect(failures).toEqual([]);
    expect(completedMs.filter((t) => t > electedMs + 500).length).toBeGreaterThan(0);
    expect(gapMs).toBeLessThanOrEqual(electionMs + FAILOVER_SLACK_MS + STATUS_POLL_MS);
  });

  it("with a majority gone, an operation fails within seconds naming the nodes that cannot be reached", async () => {
    if (client === null) throw new Error("no client");
    const alive = nodes.filter((n) => n.running);
    const victim = alive[0];
    if (victim === undefined) throw new Error("no node left to kill");
    await victim.kill();
    const startedMs = performance.now();
    const done = await client.run({ module: "kv", command: { type: "put", key: "no-quorum", value: "x" } });
    const tookMs = performance.now() - startedMs;
    process.stdout.write(`no quorum reported after ${tookMs.toFixed(0)} ms: ${done.ok ? "ok?" : done.error.message}\n`);
    expect(done.ok).toBe(false);
    if (done.ok) return;
    expect(done.error.code).toBe("no-quorum");
    const dead = nodes.filter((n) => !n.running).map((n) => n.spec.nodeId);
    for (const id of dead) expect(done.error.message).toContain(`${id}:`);
    expect(tookMs).toBeLessThan(6_000);
  });
});
