import { describe, expect, it } from "vitest";
import type { AppendRequest, AppendResponse } from "../../src/raft/messages";
import { describeEntry, Network } from "./network";

const noPreVote = { preVote: false, checkQuorum: false };
// Figure 7 of the Raft paper: the leader's log for term 8, and two followers' divergent logs.
const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const followerE = [1, 1, 1, 4, 4, 4, 4];
const followerF = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3];

const rejectionsFrom = (net: Network, id: string) =>
  net.delivered.filter((m): m is AppendResponse => m.type === "append-response" && m.from === id && !m.success).length;

describe("§5.3 log replication", () => {
  it("a new leader overwrites conflicting uncommitted entries so all logs match its own", () => {
    const net = new Network(["l", "e", "f"], { config: noPreVote });
    net.loadLog("l", leaderLog, { term: 7, commit: 3 });
    net.loadLog("e", followerE, { term: 7, commit: 3 });
    net.loadLog("f", followerF, { term: 7, commit: 3 });
    net.elect("l");
    net.propagateCommit("l");
    const expected = net.raft("l").entriesInMemory().map(describeEntry);
    expect(expected).toHaveLength(11); // leader log plus its term-8 noop
    for (const id of ["e", "f"]) expect(net.raft(id).entriesInMemory().map(describeEntry), id).toEqual(expected);
    for (const id of ["l", "e", "f"]) expect(net.raft(id).status().commitIndex).toBe(11);
    // The persisted logs were truncated and rewritten too.
    expect(net.node("f").storage.entries.map(describeEntry)).toEqual(expected);
  });

  it("fast backtracking skips whole conflicting terms: at most one rejection per divergent term", () => {
    const net = new Network(["l", "e", "f"], { config: noPreVote });
    net.loadLog("l", leaderLog, { term: 7, commit: 3 });
    net.loadLog("e", followerE, { term: 7, commit: 3 });
    net.loadLog("f", followerF, { term: 7, commit: 3 });
    net.elect("l");
    // One-entry-at-a-time probing would need 6 (e) and 7 (f) rejections.
    expect(rejectionsFrom(net, "e")).toBe(1);
    expect(rejectionsFrom(net, "f")).toBe(1);
  });

  it("a follower missing a long suffix is found in one round trip", () => {
    const net = new Network(["l", "b", "c"], { config: noPreVote });
    net.loadLog("l", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], { term: 1, commit: 1 });
    net.loadLog("b", [1, 1], { term: 1, commit: 1 });
    net.loadLog("c", [1, 1], { term: 1, commit: 1 });
    net.elect("l");
    expect(rejectionsFrom(net, "b")).toBe(1);
    expect(net.raft("b").status().lastIndex).toBe(21);
  });
});

describe("lazy commit propagation", () => {
  const appendsFromLeader = (net: Network) => net.delivered.filter((m): m is AppendRequest => m.type === "append" && m.from === "a");

  it("a commit costs no extra append round: the next append carries it, or the next leader tick does", () => {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    net.elect("a");
    net.propagateCommit("a");
    const first = net.propose("a", "one");
    net.deliverAll();
    expect(net.raft("a").status().commitIndex).toBe(first.index);
    // One append per follower carried the entry; no empty append chased the commit.
    const before = appendsFromLeader(net).length;
    expect(appendsFromLeader(net).slice(-2).every((m) => m.entries.length === 1)).toBe(true);
    expect(net.raft("b").status().commitIndex).toBe(first.index - 1);
    // The next proposal's append carries the commit of the first.
    const second = net.propose("a", "two");
    net.deliverAll();
    expect(net.raft("b").status().commitIndex).toBe(first.index);
    expect(appendsFromLeader(net).length).toBe(before + 2);
    // An idle leader tells the followers within two ticks (see Network.propagateCommit), once.
    net.propagateCommit("a");
    for (const id of ["b", "c"]) expect(net.raft(id).status().commitIndex).toBe(second.index);
    const settled = appendsFromLeader(net).length;
    net.tick("a");
    net.deliverAll();
    expect(appendsFromLeader(net).length).toBe(settled);
  });
});

describe("flow control and batching", () => {
  it("never more than maxInflightAppends unacknowledged appends in flight to a follower", () => {
    const net = new Network(["a", "b", "c"], { config: { maxInflightAppends: 2, maxEntriesPerAppend: 1 } });
    net.elect("a");
    expect(net.raft("a").status().progress?.c?.state).toBe("replicate");
    // c's acks are lost from now on.
    net.filter = (m) => (m.from === "c" ? null : m);
    const before = net.delivered.length;
    for (let i = 0; i < 10; i++) {
      net.propose("a", `cmd${i}`);
      net.deliverAll();
    }
    const toC = net.delivered.slice(before).filter((m): m is AppendRequest => m.type === "append" && m.to === "c" && m.entries.length > 0);
    expect(toC).toHaveLength(2);
    expect(net.raft("a").status().progress?.c).toMatchObject({ state: "replicate", inflightAppends: 2 });
    // b is unaffected and everything commits through it.
    expect(net.raft("a").status().commitIndex).toBe(11);
    // Once c answers again, it catches up completely.
    net.filter = (m) => m;
    net.tickAll(5);
    expect(net.raft("c").status().lastIndex).toBe(11);
    expect(net.raft("c").status().commitIndex).toBe(11);
  });

  it("appends respect maxEntriesPerAppend and maxBytesPerAppend, and proposals between Readies share a message", () => {
    const net = new Network(["a", "b", "c"], { config: { maxEntriesPerAppend: 3, maxBytesPerAppend: 10 } });
    net.elect("a");
    const before = net.delivered.length;
    for (let i = 0; i < 8; i++) net.propose("a", "abcd"); // 4 bytes each: at most 2 per message by bytes
    net.raft("a").propose("x".repeat(25)); // bigger than the byte bound alone: still sent, alone
    net.deliverAll();
    const appends = net.delivered.slice(before).filter((m): m is AppendRequest => m.type === "append" && m.entries.length > 0);
    expect(appends.length).toBeGreaterThan(0);
    for (const m of appends) {
      expect(m.entries.length).toBeLessThanOrEqual(3);
      const bytes = m.entries.reduce((n, e) => n + e.data.length, 0);
      if (m.entries.length > 1) expect(bytes).toBeLessThanOrEqual(10);
    }
    expect(appends.some((m) => m.entries.length === 2)).toBe(true);
    expect(net.raft("b").status().lastIndex).toBe(10);

    // Without limits, five proposals made before one Ready go out as one append per follower.
    const wide = new Network(["a", "b", "c"]);
    wide.elect("a");
    const mark = wide.delivered.length;
    for (let i = 0; i < 5; i++) wide.raft("a").propose(`p${i}`);
    wide.processReady("a");
    wide.deliverAll();
    const batch = wide.delivered.slice(mark).filter((m): m is AppendRequest => m.type === "append" && m.to === "b" && m.entries.length > 0);
    expect(batch.map((m) => m.entries.length)).toEqual([5]);
  });

  it("rejects proposals beyond maxUncommittedEntries with proposal-backpressure", () => {
    const net = new Network(["a", "b", "c"], { config: { maxUncommittedEntries: 3 } });
    net.elect("a");
    net.isolate("a");
    for (let i = 0; i < 3; i++) net.propose("a", `p${i}`);
    const r = net.raft("a").propose("one too many");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("proposal-backpressure");
  });

  it("a follower rejects proposals with not-leader and names the leader", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    const r = net.raft("b").propose("x");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("not-leader");
      expect(r.error.hint).toContain("a");
    }
    expect(net.raft("b").status().leaderId).toBe("a");
  });
});

describe("acknowledgements the follower did not make", () => {
  /** a leads; c was cut off while five entries committed without it. */
  function withLaggingFollower(): Network {
    const net = new Network(["a", "b", "c"], { config: noPreVote });
    net.elect("a");
    net.isolate("c");
    for (let i = 0; i < 5; i++) net.propose("a", `w${i}`);
    net.deliverAll();
    return net;
  }

  it("a replayed ack claiming entries the follower lacks is corrected by its rejection, and the follower catches up", () => {
    const net = withLaggingFollower();
    net.tickAll(2);
    const last = net.raft("a").status().lastIndex;
    expect(net.raft("c").status().lastIndex).toBeLessThan(last);
    // As if an ack from an earlier life of c were replayed: c never held these entries.
    const forged: AppendResponse = { type: "append-response", from: "c", to: "a", term: net.raft("a").status().term, success: true, matchIndex: last, rejectIndex: 0, hintIndex: 0, hintTerm: 0, round: 0 };
    expect(net.raft("a").step(forged).ok).toBe(true);
    expect(net.raft("a").status().progress?.c?.match).toBe(last);
    net.recover();
    net.propose("a", "after");
    net.deliverAll();
    net.tickAll(4);
    expect(net.raft("c").status().lastIndex).toBe(net.raft("a").status().lastIndex);
    expect(net.raft("a").status().progress?.c?.match).toBe(net.raft("a").status().lastIndex);
  });

  it("duplicates of a rejection that moves nothing do not each trigger a resend", () => {
    const net = withLaggingFollower();
    net.recover();
    net.propose("a", "probe-me");
    net.processReady("a");
    // Deliver to c and collect its rejection, then hand the leader many copies of it.
    net.deliverRound();
    const rejection = net.queue.find((m): m is AppendResponse => m.type === "append-response" && m.from === "c" && !m.success);
    expect(rejection).toBeDefined();
    net.queue = [];
    for (let i = 0; i < 20; i++) net.raft("a").step(rejection as AppendResponse);
    net.processReady("a");
    expect(net.queue.filter((m) => m.type === "append" && m.to === "c").length).toBeLessThanOrEqual(1);
  });
});
