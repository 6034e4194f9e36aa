import { describe, expect, it } from "vitest";
import { Network } from "./network";

describe("ReadIndex linearizable reads (thesis §6.4)", () => {
  it("releases a read at the commit index only after a quorum confirmed leadership", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    net.propose("a", "w1");
    net.deliverAll();
    const commit = net.raft("a").status().commitIndex;
    expect(net.raft("a").readIndex("r1").ok).toBe(true);
    net.processReady("a");
    expect(net.node("a").readStates).toEqual([]); // heartbeats out, no acks yet
    const heartbeats = net.queue.filter((m) => m.type === "heartbeat");
    expect(heartbeats.map((m) => m.type === "heartbeat" && m.context)).toEqual(["r1", "r1"]);
    net.deliverAll();
    expect(net.node("a").readStates).toEqual([{ requestId: "r1", index: commit }]);
  });

  it("a deposed leader in a minority partition cannot serve a stale read", () => {
    const net = new Network(["a", "b", "c"], { config: { checkQuorum: false } });
    net.elect("a");
    net.isolate("a");
    net.tickAll(60);
    const newLeader = net.leaders().find((id) => id !== "a") as string;
    const write = net.propose(newLeader, "newer-write");
    net.deliverAll();
    // a still believes it leads; it accepts the read but can never confirm it.
    expect(net.raft("a").status().role).toBe("leader");
    expect(net.raft("a").readIndex("stale").ok).toBe(true);
    net.tickAll(5);
    expect(net.node("a").readStates).toEqual([]);
    // The real leader serves the read at an index that includes the newer write.
    expect(net.raft(newLeader).readIndex("fresh").ok).toBe(true);
    net.deliverAll();
    const [state] = net.node(newLeader).readStates;
    expect(state?.requestId).toBe("fresh");
    expect(state?.index).toBeGreaterThanOrEqual(write.index);
    // When a rejoins it steps down and the stale read is never released.
    net.recover();
    net.tickAll(3);
    expect(net.raft("a").status().role).toBe("follower");
    expect(net.node("a").readStates).toEqual([]);
  });

  it("a new leader waits until it has committed an entry of its term", () => {
    const net = new Network(["a", "b", "c"]);
    net.loadLog("a", [1, 1, 1], { term: 1, commit: 1 });
    net.loadLog("b", [1, 1, 1], { term: 1, commit: 1 });
    net.loadLog("c", [1, 1, 1], { term: 1, commit: 1 });
    net.filter = (m) => (m.type === "append-response" ? null : m);
    net.elect("a");
    expect(net.raft("a").readIndex("early").ok).toBe(true);
    net.tickAll(3); // heartbeat rounds get acked, but the leader's noop is not committed
    expect(net.raft("a").status().commitIndex).toBe(1);
    expect(net.node("a").readStates).toEqual([]);
    net.filter = (m) => m;
    net.tickAll(3);
    // Released at the commit index that includes the new term's noop (index 4), not the stale 1.
    expect(net.node("a").readStates).toEqual([{ requestId: "early", index: 4 }]);
  });

  it("errors: not-leader on a follower, duplicate ids, bad ids", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    const follower = net.raft("b").readIndex("x");
    expect(!follower.ok && follower.error.code).toBe("not-leader");
    net.isolate("a");
    expect(net.raft("a").readIndex("dup").ok).toBe(true);
    const dup = net.raft("a").readIndex("dup");
    expect(!dup.ok && dup.error.code).toBe("duplicate-read-request");
    const empty = net.raft("a").readIndex("");
    expect(!empty.ok && empty.error.code).toBe("invalid-read-request");
  });

  it("a single-voter cluster confirms reads at once", () => {
    const net = new Network(["solo"]);
    net.elect("solo");
    net.propose("solo", "w");
    net.deliverAll();
    expect(net.raft("solo").readIndex("r").ok).toBe(true);
    net.processReady("solo");
    expect(net.node("solo").readStates).toEqual([{ requestId: "r", index: 2 }]);
  });
});
