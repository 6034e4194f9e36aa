import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blixard as runCli, repoRoot, withClient } from "./cli-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KvGetResult, MembershipChangeResult, PeerAddress } from "@blixard/core";
import type { NodeStatusReport } from "../../../cli/src/client/node-status";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";

/*
 * Growing a real cluster: three `blixard node` processes on 127.0.0.1, then a
 * fourth started with --join (empty configuration, it sends nothing) and added
 * with `blixard cluster add-node n4 --address ...`. The members learn its
 * address from the replicated peer directory, the leader dials it, it catches
 * up and is promoted. Then the old leader is SIGKILLed (4 voters, 3 alive)
 * and the cluster must still elect and serve writes; finally leadership is
 * handed to n4 itself.
 */
const LEADER_WAIT_MS = 15_000;
const CATCH_UP_WAIT_MS = 20_000;
const CLI_TIMEOUT_MS = 45_000;
const POLL_INTERVAL_MS = 100;
const members = ["n1", "n2", "n3"];

let dataRoot = "";
let nodes: LocalNodeProcess[] = [];

const blixard = (...argv: string[]) => runCli(CLI_TIMEOUT_MS, ...argv);


function nodeById(id: string): LocalNodeProcess {
  const node = nodes.find((n) => n.spec.nodeId === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}

/** Poll `node`'s /status until `done` holds; bounded by `timeoutMs`. */
async function statusWhen(node: LocalNodeProcess, done: (s: NodeStatusReport) => boolean, timeoutMs: number): Promise<NodeStatusReport> {
  let last: NodeStatusReport | null = null;
  for (let poll = 0; poll < Math.ceil(timeoutMs / POLL_INTERVAL_MS); poll++) {
    last = await node.status(500);
    if (last !== null && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`${node.spec.nodeId} never reached the expected status; last ${JSON.stringify(last)}\n${node.describe()}`);
}

const clusterFlag = (only: readonly LocalNodeProcess[]) => only.map((n) => n.url).join(",");

describe.skipIf(process.platform !== "linux")("adding a node to a real cluster (add-node end to end)", () => {
  let leaderId = "";
  let term = 0;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-e2e-add-"));
    const ports = await freeLoopbackPorts(8);
    const ids = [...members, "n4"];
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    const spec = (id: string, i: number) => ({ nodeId: id, port: ports[i] ?? 0, metricsPort: ports[4 + i] ?? 0, dataDir: join(dataRoot, id) });
    // The members only know each other; the joiner knows their addresses (as an operator would give them) and nothing else.
    const memberPorts = Object.fromEntries(members.map((id) => [id, clusterPorts[id] ?? 0]));
    nodes = members.map((id, i) => LocalNodeProcess.spawn(repoRoot, { ...spec(id, i), clusterPorts: memberPorts }));
    nodes.push(LocalNodeProcess.spawn(repoRoot, { ...spec("n4", 3), clusterPorts, join: true }));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
  });

  it("the three members elect a leader; the joiner waits without a configuration and never campaigns", async () => {
    const elected = await waitForLeader(nodes.filter((n) => n.spec.nodeId !== "n4"), LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    ({ leaderId, term } = elected);
    await withClient([nodeById(leaderId)], async (c) => {
      for (let i = 0; i < 5; i++) expect((await c.run({ module: "kv", command: { type: "put", key: `before-${i}`, value: `v${i}` } })).ok).toBe(true);
    });
    const joiner = await statusWhen(nodeById("n4"), () => true, 5_000);
    expect(joiner).toMatchObject({ nodeId: "n4", leaderId: null, term: 0 });
    expect(joiner.role).not.toBe("leader");
    expect(nodeById("n4").output.find((l) => l.startsWith("blixard node n4 serving"))).toContain("no configuration yet");
  });

  it("cluster add-node records n4's address, adds it as a learner and promotes it once it caught up", async () => {
    const live = nodes.filter((n) => n.spec.nodeId !== "n4");
    const added = await blixard("cluster", "add-node", "n4", "--address", nodeById("n4").url, "--cluster", clusterFlag(live), "--catch-up-timeout-ms", String(CATCH_UP_WAIT_MS), "--json");
    expect(added.code, added.stdout + added.stderr + nodeById("n4").describe()).toBe(0);
    const change = (JSON.parse(added.stdout) as { ok: boolean; result: MembershipChangeResult }).result;
    expect(change).toMatchObject({ type: "promote", nodeId: "n4", config: { voters: ["n1", "n2", "n3", "n4"], learners: [] } });

    const leader = await statusWhen(nodeById(leaderId), (s) => s.role === "leader", 5_000);
    const joined = await statusWhen(nodeById("n4"), (s) => s.role === "follower" && s.leaderId === leaderId && (s.appliedIndex ?? 0) >= (leader.commitIndex ?? 0), CATCH_UP_WAIT_MS);
    expect(joined.term).toBe(term);

    // Its state machine holds what was written before it existed: a linearizable read through n4 alone.
    await withClient([nodeById("n4")], async (c) => {
      const got = await c.run({ module: "kv", command: { type: "get", key: "before-4" } });
      expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("v4");
    });

    const listed = await blixard("cluster", "peers", "--cluster", clusterFlag(live), "--json");
    expect(listed.code, listed.stderr).toBe(0);
    const peers = (JSON.parse(listed.stdout) as { result: PeerAddress[] }).result;
    expect(peers.find((p) => p.nodeId === "n4")?.address).toBe(nodeById("n4").url);
    // The members published their own addresses too (each node advertises its listen URL).
    const expected = nodes.map((n) => ({ nodeId: n.spec.nodeId, address: n.url }));
    let directory: PeerAddress[] = [];
    for (let poll = 0; poll < 50 && JSON.stringify(directory) !== JSON.stringify(expected); poll++) {
      const read = await withClient(live, (c) => c.run({ module: "cluster", command: { type: "list-peers" } }));
      directory = read.ok ? (read.value as PeerAddress[]) : [];
      if (JSON.stringify(directory) !== JSON.stringify(expected)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(directory).toEqual(expected);
  });

  it("with the old leader SIGKILLed (4 voters, 3 alive) a new leader is elected and kv writes commit", async () => {
    await nodeById(leaderId).kill();
    const survivors = nodes.filter((n) => n.running);
    expect(survivors.map((n) => n.spec.nodeId)).toContain("n4");
    const elected = await waitForLeader(survivors, LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no new leader:\n${survivors.map((n) => n.describe()).join("\n")}`);
    expect(elected.leaderId).not.toBe(leaderId);
    expect(elected.term).toBeGreaterThan(term);
    ({ leaderId, term } = elected);
    await withClient(survivors, async (c) => {
      expect((await c.run({ module: "kv", command: { type: "put", key: "after-kill", value: "still-serving" } })).ok).toBe(true);
      const got = await c.run({ module: "kv", command: { type: "get", key: "before-0" } });
      expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("v0");
    });
  });

  it("transfer-leadership hands the cluster to n4, which then leads and serves writes", async () => {
    const survivors = nodes.filter((n) => n.running);
    if (leaderId === "n4") {
      // n4 won the election by itself: hand leadership away first, so the transfer to n4 is still exercised.
      const other = survivors.find((n) => n.spec.nodeId !== "n4")?.spec.nodeId ?? "";
      const away = await blixard("cluster", "transfer-leadership", other, "--cluster", clusterFlag(survivors));
      expect(away.code, away.stdout + away.stderr).toBe(0);
    }
    const moved = await blixard("cluster", "transfer-leadership", "n4", "--cluster", clusterFlag(survivors));
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/n4 leads term \d+/);
    const elected = await waitForLeader(survivors, LEADER_WAIT_MS);
    expect(elected?.leaderId).toBe("n4");
    await withClient([nodeById("n4")], async (c) => {
      expect((await c.run({ module: "kv", command: { type: "put", key: "led-by-n4", value: "yes" } })).ok).toBe(true);
    });
    const follower = survivors.find((n) => n.spec.nodeId !== "n4");
    if (follower === undefined) throw new Error("no follower");
    await withClient([follower], async (c) => {
      const got = await c.run({ module: "kv", command: { type: "get", key: "led-by-n4" } });
      expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("yes");
    });
  });
});
