import { describe, expect, it } from "vitest";
import type { HardState } from "../../src/raft/log-types";
import type { VoteResponse } from "../../src/raft/messages";
import { describeEntry, Network } from "./network";

const noPreVote = { preVote: false, checkQuorum: false };

describe("persistence", () => {
  it("a restarted node keeps its term and vote and never votes twice in a term", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    const vote = (from: string, term: number) => {
      net.raft("a").step({ type: "vote", from, to: "a", term, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
      net.processReady("a");
      const response = net.queue.filter((m): m is VoteResponse => m.type === "vote-response").pop();
      net.queue = [];
      return response?.granted;
    };
    expect(vote("b", 5)).toBe(true);
    net.restart("a");
    expect(net.raft("a").status()).toMatchObject({ term: 5, votedFor: "b" });
    expect(vote("c", 5)).toBe(false);
    expect(vote("b", 5)).toBe(true); // a retransmitted request from the same candidate
    expect(vote("c", 6)).toBe(true); // a new term frees the vote
  });

  it("every vote grant and append ack leaves only after the state it promises is in its Ready", () => {
    const net = new Network(["a", "b", "c"], { seed: 9 });
    net.shuffleDelivery = true;
    net.drop("a", "b", 30);
    net.drop("c", "a", 30);
    for (let t = 0; t < 150; t++) {
      for (const id of net.leaders()) net.raft(id).propose(`t${t}`);
      if (t % 40 === 20) net.isolate(net.leaders()[0] ?? "a");
      if (t % 40 === 0) net.recover();
      net.tickAll(1);
    }
    let grants = 0;
    let acks = 0;
    for (const node of net.nodes.values()) {
      let hard: HardState = { term: 0, votedFor: null, commit: 0 };
      let persistedLast = 0;
      for (const rd of node.readies) {
        hard = rd.hardState ?? hard;
        if (rd.snapshotToPersist !== null) persistedLast = rd.snapshotToPersist.meta.index;
        const last = rd.entriesToPersist[rd.entriesToPersist.length - 1];
        if (last !== undefined) persistedLast = last.index;
        for (const m of rd.messages) {
          if (m.type === "vote-response" && m.granted) {
            grants++;
            expect(hard).toMatchObject({ term: m.term, votedFor: m.to });
          }
          if (m.type === "append-response" && m.success) {
            acks++;
            expect(m.matchIndex).toBeLessThanOrEqual(persistedLast);
          }
        }
      }
    }
    expect(grants).toBeGreaterThan(2);
    expect(acks).toBeGreaterThan(100);
  });

  it("a whole-cluster restart keeps every committed entry and applies the same log again", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    for (let i = 0; i < 5; i++) net.propose("a", `cmd${i}`);
    net.deliverAll();
    net.tickAll(2);
    const committed = net.raft("a").entriesInMemory().map(describeEntry);
    const appliedBefore = new Map(net.node("b").applied);
    for (const id of ["a", "b", "c"]) net.restart(id);
    net.tickAll(40);
    const leader = net.leaders()[0] as string;
    expect(leader).toBeDefined();
    for (const id of ["a", "b", "c"]) {
      expect(net.raft(id).entriesInMemory().map(describeEntry).slice(0, committed.length)).toEqual(committed);
      for (const [index, value] of appliedBefore) expect(net.node(id).applied.get(index)).toBe(value);
    }
  });
});
