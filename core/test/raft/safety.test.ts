import { describe, expect, it } from "vitest";
import type { VoteResponse } from "../../src/raft/messages";
import { Network } from "./network";

const noPreVote = { preVote: false, checkQuorum: false };

describe("§5.4 safety", () => {
  it("§5.4.1 vote restriction: compares last log term first, then last index", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    net.loadLog("a", [1, 1, 2], { term: 2 });
    const ask = (from: string, term: number, lastLogTerm: number, lastLogIndex: number): boolean => {
      net.restart("a"); // fresh vote each time (term moves on with every request)
      const r = net.raft("a").step({ type: "vote", from, to: "a", term, lastLogIndex, lastLogTerm, leadershipTransfer: false });
      expect(r.ok).toBe(true);
      net.processReady("a");
      const last = net.queue.filter((m): m is VoteResponse => m.type === "vote-response").pop();
      net.queue = [];
      return last?.granted ?? false;
    };
    expect(ask("b", 3, 3, 1), "higher last term wins even with a shorter log").toBe(true);
    expect(ask("b", 4, 2, 2), "same last term, shorter log loses").toBe(false);
    expect(ask("b", 5, 2, 3), "same last term, same length wins").toBe(true);
    expect(ask("b", 6, 1, 10), "lower last term loses even with a longer log").toBe(false);
  });

  it("never votes twice in one term", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    const a = net.raft("a");
    a.step({ type: "vote", from: "b", to: "a", term: 1, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
    a.step({ type: "vote", from: "c", to: "a", term: 1, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
    net.processReady("a");
    const votes = net.queue.filter((m): m is VoteResponse => m.type === "vote-response");
    expect(votes.map((v) => [v.to, v.granted])).toEqual([
      ["b", true],
      ["c", false],
    ]);
    expect(net.node("a").storage.hardState).toMatchObject({ term: 1, votedFor: "b" });
  });

  it("figure 8: a leader never commits an entry from a previous term by counting replicas", () => {
    const ids = ["s1", "s2", "s3", "s4", "s5"];
    const net = new Network(ids, { config: { ...noPreVote, maxEntriesPerAppend: 1 } });
    // (b) of Figure 8: s1 led term 2 and replicated index 2 to s2 only; s5 led term 3 and wrote its own index 2.
    net.loadLog("s1", [1, 2], { term: 3, commit: 1 });
    net.loadLog("s2", [1, 2], { term: 3, commit: 1 });
    net.loadLog("s3", [1], { term: 3, commit: 1 });
    net.loadLog("s4", [1], { term: 3, commit: 1 });
    net.loadLog("s5", [1, 3], { term: 3, commit: 1 });
    // (c): s1 leads term 4 and gets its term-2 entry onto s3 — a majority (s1, s2, s3) now stores it —
    // but none of its term-4 entries reaches anyone.
    net.cut("s1", "s5");
    net.filter = (m) => (m.type === "append" ? { ...m, entries: m.entries.filter((e) => e.term !== 4) } : m);
    net.elect("s1");
    expect(net.raft("s1").status().term).toBe(4);
    net.tickAll(3);
    for (const id of ["s1", "s2", "s3"]) expect(net.raft(id).logTermAt(2), `${id} stores the term-2 entry`).toBe(2);
    // Counting replicas would commit index 2 here. It must not.
    for (const id of ids) expect(net.raft(id).status().commitIndex, `${id} commit`).toBe(1);
    for (const id of ids) expect(net.node(id).applied.has(2), `${id} applied index 2`).toBe(false);
    // (d): why: s1 crashes, s5 (last term 3) is elected by s2, s3, s4 and overwrites index 2 everywhere.
    net.isolate("s1");
    net.recover();
    net.isolate("s1");
    net.filter = (m) => m;
    net.elect("s5");
    net.tickAll(3);
    for (const id of ["s2", "s3", "s4", "s5"]) expect(net.raft(id).logTermAt(2), `${id} index 2 replaced`).toBe(3);
    // (e): once an entry of the leader's own term is on a majority, the earlier entries commit with it.
    for (const id of ["s2", "s3", "s4", "s5"]) expect(net.raft(id).status().commitIndex).toBeGreaterThanOrEqual(3);
  });
});
