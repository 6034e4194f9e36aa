import { describe, expect, it } from "vitest";
import type { NodeStatusView } from "../../src/node/node-status";
import { defaultClientOps } from "../../src/protocol/client-ops";
import { NodeWorld, TestClient, type Answer } from "./harness";

const STATUS = { module: "node", command: { type: "status" } };
const VOTERS = ["n1", "n2", "n3"];

function statusOf(answer: Answer): NodeStatusView {
  if (!answer.ok) throw new Error(`status failed: ${answer.error.code}: ${answer.error.message}`);
  return answer.result as NodeStatusView;
}

function threeNodes(): NodeWorld {
  const world = new NodeWorld();
  for (const id of VOTERS) world.addNode(id, VOTERS);
  return world;
}

describe("node status query", () => {
  it("the leader reports its role, term, indexes, config, health and each peer's progress", () => {
    const world = threeNodes();
    const leader = world.electLeader();
    const client = new TestClient(world);
    expect(client.ask(leader.nodeId, { module: "kv", command: { type: "put", key: "a", value: "1" } }, { write: true }).ok).toBe(true);
    world.runFor(200);
    const status = statusOf(client.ask(leader.nodeId, STATUS));
    expect(status.nodeId).toBe(leader.nodeId);
    expect(status.role).toBe("leader");
    expect(status.leaderId).toBe(leader.nodeId);
    expect(status.term).toBeGreaterThanOrEqual(1);
    expect(status.health).toBe("serving");
    expect(status.failure).toBeNull();
    // noop of the term + the put, both committed and applied
    expect(status.commitIndex).toBeGreaterThanOrEqual(2);
    expect(status.appliedIndex).toBe(status.commitIndex);
    expect(status.lastIndex).toBe(status.commitIndex);
    expect(status.firstIndex).toBe(1);
    expect(status.config).toEqual({ voters: VOTERS, learners: [], votersOutgoing: [] });
    expect(status.pendingRequests).toBe(0);
    const peers = VOTERS.filter((id) => id !== leader.nodeId);
    expect(Object.keys(status.progress ?? {})).toEqual(expect.arrayContaining(peers));
    for (const peer of peers) {
      expect(status.progress?.[peer]).toEqual({ match: status.lastIndex, next: (status.lastIndex ?? 0) + 1, state: "replicate" });
    }
  });

  it("a follower answers for itself (not forwarded to the leader) and has no progress table", () => {
    const world = threeNodes();
    const leader = world.electLeader();
    world.runFor(100);
    const follower = VOTERS.find((id) => id !== leader.nodeId) ?? "";
    const status = statusOf(new TestClient(world).ask(follower, STATUS));
    expect(status.nodeId).toBe(follower);
    expect(status.role).toBe("follower");
    expect(status.leaderId).toBe(leader.nodeId);
    expect(status.progress).toBeNull();
    expect(status.term).toBe(leader.raftStatus()?.term);
  });

  it("a node that refused to start on corrupt storage still answers, with health failed and the reason", () => {
    const world = threeNodes();
    const leader = world.electLeader();
    const client = new TestClient(world);
    for (let i = 0; i < 5; i++) client.ask(leader.nodeId, { module: "kv", command: { type: "put", key: `k${i}`, value: "v" } }, { write: true });
    world.runFor(200);
    const victim = VOTERS.find((id) => id !== leader.nodeId) ?? "";
    world.nodes.get(victim)?.stop();
    const disk = world.disks.get(victim);
    const wal = disk?.list().find((f) => f.includes("wal") || f.includes("log") || f.includes("seg")) ?? disk?.list()[0] ?? "";
    const bytes = disk?.read(wal);
    expect(bytes?.length ?? 0).toBeGreaterThan(64);
    disk?.flipBit(wal, (bytes?.length ?? 0) - 20, 3);
    world.addNode(victim, VOTERS);
    const status = statusOf(client.ask(victim, STATUS));
    expect(status.health).toBe("failed");
    expect(status.failure?.code).toBe("storage-corrupt");
    expect(status.role).toBeNull();
    expect(status.commitIndex).toBeNull();
  });

  it("only { type: \"status\" } is a node command", () => {
    const ops = defaultClientOps();
    expect(ops.validate(STATUS).ok).toBe(true);
    expect(ops.isReadOnly({ module: "node", command: { type: "status" } })).toBe(true);
    const bad = ops.validate({ module: "node", command: { type: "reboot" } });
    expect(bad.ok ? null : bad.error.code).toBe("invalid-request");
    expect(bad.ok ? "" : bad.error.message).toContain('"reboot" is not a node command');
    const extra = ops.validate({ module: "node", command: { type: "status", verbose: true } });
    expect(extra.ok ? null : extra.error.code).toBe("invalid-request");
  });

  it("pendingRequestCount counts requests the node holds unanswered", () => {
    const world = threeNodes();
    const leader = world.electLeader();
    const follower = VOTERS.find((id) => id !== leader.nodeId) ?? "";
    world.isolate(leader.nodeId);
    const client = new TestClient(world);
    // The follower forwards to the (unreachable) leader and holds the request until it times out.
    client.send(follower, { module: "kv", command: { type: "put", key: "x", value: "1" } }, { write: true });
    world.runFor(20);
    expect(world.nodes.get(follower)?.pendingRequestCount()).toBe(1);
    world.runFor(4_000);
    expect(world.nodes.get(follower)?.pendingRequestCount()).toBe(0);
  });
});
