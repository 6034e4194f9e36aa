import { describe, expect, it } from "vitest";
import { SafetyChecker } from "./checkers";
import { Network } from "./network";
import { SeededRandom } from "./seeded-random";

const seedCount = 200;

/** Reads must observe every write committed anywhere before they were requested (linearizability). */
class ReadChecker {
  private readonly floor = new Map<string, number>();
  private next = 0;

  constructor(private readonly net: Network) {}

  request(leader: string): void {
    const id = `read-${this.next++}`;
    const committedAnywhere = Math.max(...[...this.net.nodes.values()].map((n) => n.raft.status().commitIndex));
    if (this.net.raft(leader).readIndex(id).ok) this.floor.set(id, committedAnywhere);
  }

  check(): number {
    let released = 0;
    for (const n of this.net.nodes.values()) {
      for (const rs of n.readStates.splice(0)) {
        released++;
        const floor = this.floor.get(rs.requestId);
        if (floor === undefined) throw new Error(`${n.id} released unknown read ${rs.requestId}`);
        if (rs.index < floor) throw new Error(`stale read on ${n.id}: ${rs.requestId} at ${rs.index}, but ${floor} was committed before it`);
      }
    }
    return released;
  }
}

/** Random single-server membership steps: add a fresh learner, promote it, or remove a voter (never below 3). */
function randomMembershipStep(net: Network, rng: SeededRandom, leader: string, fresh: () => string): void {
  const config = net.raft(leader).status().config;
  const roll = rng.nextInt(0, 2);
  if (roll === 0 && config.learners.length === 0 && config.voters.length < 5) {
    const id = fresh();
    net.addNode(id, { voters: [], learners: [], votersOutgoing: [] });
    net.raft(leader).proposeConfigChange({ kind: "add-learner", nodeId: id });
  } else if (roll === 1 && config.learners.length > 0) {
    net.raft(leader).proposeConfigChange({ kind: "promote-learner", nodeId: config.learners[0] as string });
  } else if (roll === 2 && config.voters.length > 3) {
    net.raft(leader).proposeConfigChange({ kind: "remove-node", nodeId: config.voters[rng.nextInt(0, config.voters.length - 1)] as string });
  }
}

/** One seeded run: random proposals, reads, transfers, membership changes, partitions, lossy links, restarts and compactions. */
function runSeed(seed: number): { commits: number; reads: number; configChanges: number; transfers: number } {
  const rng = new SeededRandom(seed);
  const size = rng.nextInt(3, 5);
  const initial = ["n1", "n2", "n3", "n4", "n5"].slice(0, size);
  const net = new Network(initial, {
    seed,
    config: { maxInflightAppends: rng.nextInt(1, 4), maxEntriesPerAppend: rng.nextInt(1, 8), snapshotChunkBytes: rng.nextInt(8, 64) },
  });
  net.shuffleDelivery = true;
  const checker = new SafetyChecker(net);
  const reads = new ReadChecker(net);
  let freshCount = 0;
  const fresh = () => `x${++freshCount}`;
  const ids = () => [...net.nodes.keys()].sort();
  const pick = () => {
    const all = ids();
    return all[rng.nextInt(0, all.length - 1)] as string;
  };
  let proposals = 0;
  let released = 0;
  for (let t = 0; t < 150; t++) {
    const roll = rng.nextInt(0, 99);
    if (roll < 4) net.isolate(pick());
    else if (roll < 8) net.drop(pick(), pick(), rng.nextInt(10, 60));
    else if (roll < 12) net.recover();
    else if (roll < 14) net.restart(pick());
    else if (roll < 17) {
      const id = pick();
      if (net.node(id).appliedIndex > net.raft(id).status().firstIndex + 3) net.compact(id);
    }
    for (const id of net.leaders()) {
      const action = rng.nextInt(0, 99);
      if (action < 40) {
        const r = net.raft(id).propose(`s${seed}-p${proposals++}`);
        if (!r.ok) expect(["proposal-backpressure", "leadership-transfer-in-progress", "not-leader"]).toContain(r.error.code);
      } else if (action < 55) reads.request(id);
      else if (action < 57) net.raft(id).transferLeadership(pick());
      else if (action < 60) randomMembershipStep(net, rng, id, fresh);
    }
    net.tickAll(1);
    checker.check();
    released += reads.check();
  }
  // Liveness: once healed, the cluster converges on one leader that commits a new entry on every member.
  net.recover();
  net.shuffleDelivery = false;
  net.tickAll(60);
  checker.check();
  const leaders = net.leaders();
  expect(leaders, `seed ${seed}: one leader after healing`).toHaveLength(1);
  const leader = leaders[0] as string;
  const { index } = net.propose(leader, "final");
  net.tickAll(5);
  const members = net.raft(leader).status().config;
  for (const id of [...members.voters, ...members.learners]) {
    expect(net.node(id).appliedIndex, `seed ${seed}: ${id} applied the final entry`).toBeGreaterThanOrEqual(index);
  }
  checker.check();
  released += reads.check();
  const configChanges = [...net.node(leader).applied.values()].filter((v) => v.includes("/config/")).length;
  const transfers = net.delivered.filter((m) => m.type === "timeout-now").length;
  return { commits: index, reads: released, configChanges, transfers };
}

describe("randomized: safety under drops, partitions, restarts and compaction", () => {
  it(`holds Raft's safety properties and heals, for ${seedCount} seeds`, () => {
    let totalCommits = 0;
    let totalReads = 0;
    let totalConfigChanges = 0;
    let totalTransfers = 0;
    for (let seed = 1; seed <= seedCount; seed++) {
      try {
        const run = runSeed(seed);
        totalCommits += run.commits;
        totalReads += run.reads;
        totalConfigChanges += run.configChanges;
        totalTransfers += run.transfers;
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}`);
      }
      if (seed === seedCount) {
        console.log(`randomized: ${seedCount} seeds, ${totalCommits} entries committed, ${totalReads} reads confirmed, ${totalConfigChanges} config changes, ${totalTransfers} TimeoutNow`);
      }
    }
    // The runs did real work: on average well over a handful of entries committed per seed.
    expect(totalCommits / seedCount).toBeGreaterThan(10);
    expect(totalReads / seedCount).toBeGreaterThan(3);
    // Membership changes and leadership transfers were exercised too, not just configured.
    expect(totalConfigChanges).toBeGreaterThan(seedCount / 2);
    expect(totalTransfers).toBeGreaterThan(seedCount / 4);
  });

  it("one seed gives one trace", () => {
    const trace = (seed: number) => {
      const net = new Network(["a", "b", "c"], { seed });
      net.shuffleDelivery = true;
      net.drop("a", "b", 30);
      for (let t = 0; t < 60; t++) {
        for (const id of net.leaders()) net.raft(id).propose(`t${t}`);
        net.tickAll(1);
      }
      return JSON.stringify(net.delivered);
    };
    expect(trace(42)).toBe(trace(42));
    expect(trace(42)).not.toBe(trace(43));
  });
});
