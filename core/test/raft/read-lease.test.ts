import { describe, expect, it } from "vitest";
import { leaseDurationMs } from "../../src/raft/read-lease";
import { validateRaftConfig } from "../../src/raft/raft-config";
import type { RaftMessage } from "../../src/raft/messages";
import { Network } from "./network";

const TICK_MS = 50;
const LEASE_MS = leaseDurationMs(10, TICK_MS, 1000);

/** A network whose nodes share one monotonic clock that moves TICK_MS per tick. */
function leaseNetwork(ids = ["a", "b", "c"]) {
  const clock = { nowMs: 0 };
  const net = new Network(ids, { config: { leaseReads: { leaseMs: LEASE_MS, nowMs: () => clock.nowMs } } });
  const advance = (ticks: number) => {
    for (let i = 0; i < ticks; i++) {
      clock.nowMs += TICK_MS;
      net.tickAll(1);
    }
  };
  // Nodes refuse votes for an election timeout after they start: tick them all until one wins.
  for (let i = 0; i < 200 && net.leaders().length === 0; i++) advance(1);
  const [leader] = net.leaders();
  if (leader === undefined) throw new Error("no leader emerged");
  const others = ids.filter((id) => id !== leader);
  return { net, clock, advance, leader, others };
}

const heartbeatsIn = (queue: readonly RaftMessage[]) => queue.filter((m) => m.type === "heartbeat").length;

describe("lease reads (thesis §6.4.1)", () => {
  it("the lease is the followers' refusal window, shrunk by the drift bound and one tick", () => {
    expect(leaseDurationMs(10, 50, 1000)).toBe(Math.floor((450 * 0.999) / 1.001) - 50);
    expect(leaseDurationMs(10, 50, 0)).toBe(400);
    expect(leaseDurationMs(2, 50, 1000)).toBeLessThan(1); // too short to use
  });

  it("a leader a quorum acknowledged recently answers a read at once, without a heartbeat round", () => {
    const { net, advance, leader: a } = leaseNetwork();
    advance(2); // a heartbeat round, acknowledged
    const commit = net.raft(a).status().commitIndex;
    expect(net.raft(a).readIndex("r1").ok).toBe(true);
    net.processReady(a);
    expect(net.node(a).readStates).toEqual([{ requestId: "r1", index: commit }]);
    expect(heartbeatsIn(net.queue)).toBe(0);
  });

  it("once the acknowledged round is older than the lease, a read falls back to ReadIndex", () => {
    const { net, clock, advance, leader: a } = leaseNetwork();
    advance(2);
    clock.nowMs += LEASE_MS; // no ticks: as if the leader had been paused
    expect(net.raft(a).readIndex("r2").ok).toBe(true);
    net.processReady(a);
    expect(net.node(a).readStates).toEqual([]);
    expect(heartbeatsIn(net.queue)).toBe(2);
    net.deliverAll();
    expect(net.node(a).readStates.map((s) => s.requestId)).toEqual(["r2"]);
  });

  it("an isolated leader's lease runs out before any other leader can be elected", () => {
    const { net, advance, leader: a } = leaseNetwork(["a", "b", "c", "d", "e"]);
    advance(2);
    net.isolate(a);
    let leaseReadsAfterIsolation = 0;
    for (let tick = 0; tick < 80; tick++) {
      advance(1);
      const other = net.leaders().find((id) => id !== a);
      const r = net.raft(a).readIndex(`probe-${tick}`);
      net.processReady(a);
      const servedAlone = r.ok && net.node(a).readStates.some((s) => s.requestId === `probe-${tick}`);
      if (servedAlone) leaseReadsAfterIsolation++;
      if (other !== undefined) expect(servedAlone, `a served a lease read at tick ${tick} while ${other} leads`).toBe(false);
    }
    expect(leaseReadsAfterIsolation).toBeGreaterThan(0); // the lease did carry a for a while
    expect(net.leaders().some((id) => id !== a)).toBe(true); // and the others did elect a new leader
  });

  it("starting a leadership transfer gives up the lease for the rest of the term", () => {
    const { net, advance, leader: a, others } = leaseNetwork();
    advance(2);
    net.filter = (m) => (m.type === "timeout-now" ? null : m); // the transfer never completes
    expect(net.raft(a).transferLeadership(others[0]!).ok).toBe(true);
    net.deliverAll();
    advance(12); // the transfer is abandoned after an election timeout; a still leads
    expect(net.raft(a).status().role).toBe("leader");
    expect(net.raft(a).readIndex("r3").ok).toBe(true);
    net.processReady(a);
    expect(net.node(a).readStates).toEqual([]);
  });

  it("no lease while a configuration change is uncommitted", () => {
    const { net, advance, leader: a } = leaseNetwork();
    advance(2);
    net.filter = (m) => (m.type === "append-response" ? null : m);
    expect(net.raft(a).proposeConfigChange({ kind: "add-learner", nodeId: "d" }).ok).toBe(true);
    net.deliverAll();
    expect(net.raft(a).readIndex("r4").ok).toBe(true);
    net.processReady(a);
    expect(net.node(a).readStates).toEqual([]);
  });

  it("a restarted node grants no vote for an election timeout: it may have acknowledged a leader's lease before it went down", () => {
    const { net, others } = leaseNetwork();
    const [b, c] = others as [string, string];
    net.restart(b);
    const term = net.raft(b).status().term;
    const vote: RaftMessage = { type: "vote", from: c, to: b, term: term + 1, lastLogIndex: 99, lastLogTerm: term + 1, leadershipTransfer: false };
    expect(net.raft(b).step(vote).ok).toBe(true);
    net.processReady(b);
    expect(net.raft(b).status().term).toBe(term);
    expect(net.queue.filter((m) => m.type === "vote-response" && m.from === b)).toEqual([]);
    for (let i = 0; i < 10; i++) net.raft(b).tick();
    expect(net.raft(b).step(vote).ok).toBe(true);
    net.processReady(b);
    expect(net.queue.some((m) => m.type === "vote-response" && m.from === b && m.granted)).toBe(true);
  });

  it("the configuration is refused without check-quorum or with a lease of 0 ms", () => {
    const base = { id: "a", electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, preVote: true, maxEntriesPerAppend: 1, maxBytesPerAppend: 1, maxInflightAppends: 1, maxUncommittedEntries: 1, snapshotChunkBytes: 1, random: { nextInt: () => 0, nextFloat: () => 0 } } as never;
    const noQuorum = validateRaftConfig({ ...(base as object), checkQuorum: false, leaseReads: { leaseMs: 100, nowMs: () => 0 } } as never);
    expect(noQuorum.ok ? "" : noQuorum.error.message).toMatch(/leaseReads.*needs checkQuorum/);
    const zero = validateRaftConfig({ ...(base as object), checkQuorum: true, leaseReads: { leaseMs: 0, nowMs: () => 0 } } as never);
    expect(zero.ok ? "" : zero.error.message).toMatch(/leaseMs.*positive/);
  });

  it("a follower streaming appends gets no heartbeats: its acks renew the lease and check-quorum; heartbeats return when the appends stop", () => {
    const { net, advance, leader: a, others } = leaseNetwork();
    advance(2);
    const term = net.raft(a).status().term;
    const heartbeatsFromLeader = () => net.delivered.filter((m) => m.type === "heartbeat" && m.from === a).length;
    const roundsEchoed: number[] = [];
    // Three election timeouts of steady writes, one per tick.
    net.propose(a, "w0");
    net.deliverAll();
    advance(1);
    net.deliverAll();
    const before = heartbeatsFromLeader();
    for (let i = 1; i <= 30; i++) {
      net.propose(a, `w${i}`);
      net.deliverAll();
      advance(1);
      net.deliverAll();
    }
    for (const m of net.delivered) if (m.type === "append-response" && m.to === a) roundsEchoed.push(m.round);
    expect(heartbeatsFromLeader()).toBe(before);
    // The appends carried the rounds forward, so the acks kept timing the lease.
    expect(Math.max(...roundsEchoed)).toBeGreaterThanOrEqual(30);
    expect(net.raft(a).status()).toMatchObject({ role: "leader", term });
    for (const id of others) expect(net.raft(id).status()).toMatchObject({ role: "follower", term, leaderId: a });
    const commit = net.raft(a).status().commitIndex;
    expect(net.raft(a).readIndex("lease-after-streaming").ok).toBe(true);
    net.processReady(a);
    expect(net.node(a).readStates).toEqual([{ requestId: "lease-after-streaming", index: commit }]);
    // Idle again: the round after next goes out as heartbeats to both followers.
    advance(2);
    expect(heartbeatsFromLeader()).toBeGreaterThanOrEqual(before + others.length);
  });
});
