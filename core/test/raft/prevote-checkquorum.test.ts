import { describe, expect, it } from "vitest";
import { Network } from "./network";

describe("pre-vote (thesis §9.6)", () => {
  it("a partitioned node that rejoins neither bumps the term nor deposes the leader", () => {
    const net = new Network(["a", "b", "c"], { seed: 2 });
    net.elect("a");
    const term = net.raft("a").status().term;
    net.isolate("c");
    net.tickAll(100);
    // c kept pre-campaigning alone but never raised its term.
    expect(net.raft("c").status().term).toBe(term);
    expect(net.raft("c").status().role).toBe("pre-candidate");
    net.recover();
    net.tickAll(20);
    expect(net.leaders()).toEqual(["a"]);
    for (const id of ["a", "b", "c"]) expect(net.raft(id).status()).toMatchObject({ term, leaderId: "a" });
  });

  it("without pre-vote the same rejoin disrupts the leader (the failure pre-vote prevents)", () => {
    const net = new Network(["a", "b", "c"], { seed: 2, config: { preVote: false, checkQuorum: false } });
    net.elect("a");
    const term = net.raft("a").status().term;
    net.isolate("c");
    net.tickAll(100);
    expect(net.raft("c").status().term).toBeGreaterThan(term + 2);
    net.recover();
    net.tickAll(30);
    expect(net.raft(net.leaders()[0] as string).status().term).toBeGreaterThan(term + 2);
  });

  it("a pre-vote is granted only for an up-to-date log and changes no durable state", () => {
    const net = new Network(["a", "b", "c"]);
    net.loadLog("a", [1, 1], { term: 1 });
    const a = net.raft("a");
    a.step({ type: "pre-vote", from: "b", to: "a", term: 2, lastLogIndex: 2, lastLogTerm: 1, leadershipTransfer: false });
    a.step({ type: "pre-vote", from: "c", to: "a", term: 2, lastLogIndex: 1, lastLogTerm: 1, leadershipTransfer: false });
    net.processReady("a");
    expect(net.queue.map((m) => m.type === "pre-vote-response" && [m.to, m.granted, m.term])).toEqual([
      ["b", true, 2],
      ["c", false, 1],
    ]);
    expect(a.status()).toMatchObject({ term: 1, votedFor: null });
    expect(net.node("a").storage.hardState).toMatchObject({ term: 1, votedFor: null });
  });
});

describe("check-quorum and the leader lease", () => {
  it("an isolated leader steps down after an election timeout without a quorum", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    net.isolate("a");
    net.tick("a", 10);
    net.tick("a", 10);
    expect(net.raft("a").status().role).toBe("follower");
    expect(net.raft("a").status().leaderId).toBe(null);
    // Meanwhile the majority elects a new leader.
    net.tickAll(40);
    const leaders = net.leaders().filter((id) => id !== "a");
    expect(leaders).toHaveLength(1);
  });

  it("a leader that keeps hearing from a quorum stays leader indefinitely", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    net.isolate("c");
    net.tickAll(200);
    expect(net.raft("a").status().role).toBe("leader");
  });

  it("a follower that heard from its leader within the election timeout ignores higher-term votes", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    const term = net.raft("b").status().term;
    const r = net.raft("b").step({ type: "vote", from: "c", to: "b", term: term + 5, lastLogIndex: 100, lastLogTerm: term + 4, leadershipTransfer: false });
    expect(r.ok).toBe(true);
    net.processReady("b");
    expect(net.queue).toEqual([]);
    expect(net.raft("b").status()).toMatchObject({ term, leaderId: "a" });
  });

  it("a stale leader returning from a partition learns the new term and steps down", () => {
    const net = new Network(["a", "b", "c"], { config: { checkQuorum: false } });
    net.elect("a");
    net.isolate("a");
    net.tickAll(60);
    const newLeader = net.leaders().find((id) => id !== "a") as string;
    expect(newLeader).toBeDefined();
    expect(net.raft("a").status().role).toBe("leader"); // without check-quorum it does not know yet
    net.recover();
    net.tickAll(3);
    expect(net.leaders()).toEqual([newLeader]);
    expect(net.raft("a").status().leaderId).toBe(newLeader);
  });
});
