import { describe, expect, it } from "vitest";
import { ClusterClient, type ClientOutcome, defaultClusterClientConfig } from "@blixard/core";
import { BlixardCluster, Simulation } from "@blixard/runtime-sim";

const NODES = ["n1", "n2", "n3", "n4", "n5"];

interface LeaseRun {
  readonly firstLeader: string;
  /** Reads the cut-off old leader answered with the old value after the new value was acknowledged. */
  readonly staleReads: number;
  /** Reads it answered at all after the cut (fresh or stale). */
  readonly answeredAfterCut: number;
  /** The other voters elected a new leader, which acknowledged the newer write. */
  readonly newValueAcked: boolean;
}

/**
 * Lease reads rest on the stated drift bound: followers refuse votes for an
 * election timeout by their clocks, and the leader reads alone for that long
 * shrunk by (1-ρ)/(1+ρ) by its own clock. This scenario cuts the leader off
 * from the other voters (a reader can still reach it), lets them elect a new
 * leader and acknowledge a newer write, and keeps reading from the old leader.
 * Within the bound it never answers with the old value once the new one is
 * acknowledged; with its clock far slower than the bound it does.
 */
function cutOffLeader(leaderDriftPpm: number): LeaseRun {
  const sim = new Simulation({ seed: 31 });
  const cluster = new BlixardCluster(sim, NODES, { nodeConfig: { readMode: "lease" }, driftPpm: (id) => (id === "n1" ? leaderDriftPpm : 0) });
  const writer = sim.addClient("writer", (rt) => new ClusterClient(rt, { ...defaultClusterClientConfig(NODES.slice(1)), attemptTimeoutMs: 100, maxAttempts: 60, retryBackoffMs: 10 }));
  const reader = sim.addClient("reader", (rt) => new ClusterClient(rt, { ...defaultClusterClientConfig(["n1"]), attemptTimeoutMs: 200, maxAttempts: 1 }));
  let newValueAckedAtUs: number | null = null;
  let staleReads = 0;
  let answeredAfterCut = 0;
  const put = (value: string, done: (outcome: ClientOutcome) => void) => writer.submit({ module: "kv", command: { type: "put", key: "k", value } }, done);

  // n1's clock is the skewed one; hand it leadership (a skewed-slow node rarely wins an election itself).
  sim.schedule(2_000_000, "transfer-to-n1", () =>
    writer.submit({ module: "membership", command: { type: "transfer-leadership", nodeId: "n1" } }, () => put("old", () => {})),
  );
  sim.runUntil(4_000_000);
  const firstLeader = cluster.leaders()[0]?.id ?? "none";
  // Cut n1 (the leader) off from the other voters and the writer; the reader still reaches it.
  sim.network.links.partition([["n1", "reader"], ["n2", "n3", "n4", "n5", "writer"]]);
  put("new", (outcome) => {
    if (outcome.kind === "ok") newValueAckedAtUs = sim.nowUs();
  });
  const readLoop = (): void => {
    if (sim.nowUs() > 7_000_000) return;
    if (!reader.busy) {
      reader.submit({ module: "kv", command: { type: "get", key: "k" } }, (outcome) => {
        if (outcome.kind !== "ok") return;
        answeredAfterCut += 1;
        const entry = (outcome.result as { entry: { value: string } | null }).entry;
        if (newValueAckedAtUs !== null && entry?.value === "old") staleReads += 1;
      });
    }
    sim.schedule(10_000, "read", readLoop);
  };
  readLoop();
  sim.runUntil(7_500_000);
  return { firstLeader, staleReads, answeredAfterCut, newValueAcked: newValueAckedAtUs !== null };
}

describe("lease reads and the clock-drift bound", () => {
  it("within the bound (leader clock 900 ppm slow, bound 1000 ppm) the cut-off leader stops reading alone before a new leader can commit", () => {
    const run = cutOffLeader(-900);
    expect(run.firstLeader).toBe("n1");
    expect(run.answeredAfterCut).toBeGreaterThan(0); // the lease did serve reads right after the cut
    expect(run.newValueAcked).toBe(true);
    expect(run.staleReads).toBe(0);
  });

  it("beyond the bound (leader clock 40% slow) its lease outlives the followers' vote refusal and it answers stale reads", () => {
    const run = cutOffLeader(-400_000);
    expect(run.firstLeader).toBe("n1");
    expect(run.newValueAcked).toBe(true);
    expect(run.staleReads).toBeGreaterThan(0);
  });
});
