import { describe, expect, it } from "vitest";
import type { RaftMessage } from "../../src/raft/messages";
import { Network } from "./network";

const noPreVote = { preVote: false, checkQuorum: false };

/** Messages of one type a node sent in its latest Readies. */
function sent(net: Network, id: string, type: RaftMessage["type"]): RaftMessage[] {
  return net.node(id).readies.flatMap((rd) => rd.messages).filter((m) => m.type === type);
}

describe("§5.2 leader election", () => {
  it("a cluster of three elects exactly one leader, and everyone agrees on it", () => {
    const net = new Network(["a", "b", "c"]);
    net.tickAll(40);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    const leader = leaders[0] as string;
    const term = net.raft(leader).status().term;
    for (const id of ["a", "b", "c"]) {
      expect(net.raft(id).status().leaderId).toBe(leader);
      expect(net.raft(id).status().term).toBe(term);
      // The noop of the new term is committed everywhere.
      expect(net.raft(id).status().commitIndex).toBe(1);
    }
  });

  it("at most one leader per term over many lossy elections", () => {
    const net = new Network(["a", "b", "c", "d", "e"], { seed: 3, config: noPreVote });
    net.shuffleDelivery = true;
    for (const from of ["a", "b", "c", "d", "e"]) for (const to of ["a", "b", "c", "d", "e"]) if (from !== to) net.drop(from, to, 40);
    const leaderOf = new Map<number, string>();
    let elections = 0;
    for (let t = 0; t < 400; t++) {
      // Depose whoever leads every 60 ticks to force fresh elections.
      if (t % 60 === 0) net.recover();
      if (t % 60 === 30) for (const id of net.leaders()) net.isolate(id);
      if (t % 60 === 0) for (const from of ["a", "b", "c", "d", "e"]) for (const to of ["a", "b", "c", "d", "e"]) if (from !== to) net.drop(from, to, 40);
      net.tickAll(1);
      for (const id of net.leaders()) {
        const term = net.raft(id).status().term;
        const prev = leaderOf.get(term);
        if (prev === undefined) elections++;
        expect(prev === undefined || prev === id, `term ${term} led by ${prev} and ${id}`).toBe(true);
        leaderOf.set(term, id);
      }
    }
    expect(elections).toBeGreaterThan(3);
  });

  it("a candidate whose log is behind loses the election (no pre-vote)", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    net.loadLog("a", [1]);
    net.loadLog("b", [1, 1]);
    net.loadLog("c", [1, 1]);
    net.isolate("a");
    net.elect("b");
    net.recover();
    net.isolate("b");
    // a campaigns: c has a longer log of the same last term and refuses.
    for (let i = 0; i < 40 && net.raft("a").status().role !== "candidate"; i++) net.tick("a");
    net.deliverAll();
    expect(net.raft("a").status().role).not.toBe("leader");
    const responses = net.delivered.filter((m) => m.type === "vote-response" && m.to === "a");
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.every((m) => m.type === "vote-response" && !m.granted)).toBe(true);
  });

  it("split votes resolve: a later term elects a single leader", () => {
    const ids = ["a", "b", "c", "d"];
    const net = new Network(ids, { config: noPreVote, seed: 5 });
    for (const id of ids) net.loadLog(id, [1], { term: 1 });
    // a and b time out together; c hears only a, d hears only b.
    while (net.raft("a").status().role !== "candidate") net.raft("a").tick();
    while (net.raft("b").status().role !== "candidate") net.raft("b").tick();
    net.cut("a", "d");
    net.cut("b", "c");
    net.cut("a", "b");
    net.deliverAll();
    expect(net.raft("a").status()).toMatchObject({ role: "candidate", term: 2 });
    expect(net.raft("b").status()).toMatchObject({ role: "candidate", term: 2 });
    expect(net.leaders()).toEqual([]);
    net.recover();
    net.tickAll(60);
    expect(net.leaders()).toHaveLength(1);
    expect(net.raft(net.leaders()[0] as string).status().term).toBeGreaterThan(2);
  });

  it("election timeouts are drawn from [base, 2*base) and differ between nodes", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote, seed: 11 });
    const firstCampaign: number[] = [];
    for (const id of ["a", "b", "c"]) {
      let ticks = 0;
      while (net.raft(id).status().role === "follower") {
        net.raft(id).tick();
        ticks++;
      }
      firstCampaign.push(ticks);
    }
    for (const t of firstCampaign) {
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
    }
    expect(new Set(firstCampaign).size).toBeGreaterThan(1);
    expect(sent(net, "a", "vote")).toEqual([]); // nothing leaves before a Ready
  });
});
