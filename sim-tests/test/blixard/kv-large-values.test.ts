import { describe, expect, it } from "vitest";
import { type ClientOutcome, ClusterClient, defaultClusterClientConfig, maxKeyBytes, maxValueBytes } from "@blixard/core";
import { BlixardCluster, Simulation } from "@blixard/runtime-sim";

const NODES = ["n1", "n2", "n3"];

/** Drive one client op to completion in a fresh 3-node simulated cluster; returns every outcome in order. */
function runOps(ops: readonly unknown[]): ClientOutcome[] {
  const sim = new Simulation({ seed: 99 });
  const cluster = new BlixardCluster(sim, NODES, { nodeConfig: { snapshotThresholdEntries: 4 } });
  const client = sim.addClient("c0", (rt) => new ClusterClient(rt, defaultClusterClientConfig(NODES)));
  const outcomes: ClientOutcome[] = [];
  const next = (i: number): void => {
    const op = ops[i];
    if (op === undefined) return;
    client.submit(op as never, (outcome) => {
      outcomes.push(outcome);
      next(i + 1);
    });
  };
  sim.schedule(2_000_000, "start", () => next(0));
  sim.runUntil(30_000_000);
  expect(sim.failure).toBeNull();
  expect(cluster.safety.firstViolation()).toBeNull();
  return outcomes;
}

describe("kv: values at the documented bounds travel through Raft, storage and snapshots", () => {
  it("a 1 MiB value (maxValueBytes) is stored, replicated, snapshotted and read back whole", () => {
    const big = "x".repeat(maxValueBytes - 7) + "-ending";
    const key = "k".repeat(maxKeyBytes);
    const ops = [
      { module: "kv", command: { type: "put", key, value: big } },
      ...Array.from({ length: 6 }, (_, i) => ({ module: "kv", command: { type: "put", key: `small-${i}`, value: "v" } })),
      { module: "kv", command: { type: "get", key } },
    ];
    const outcomes = runOps(ops);
    expect(outcomes.map((o) => o.kind)).toEqual(ops.map(() => "ok"));
    const read = outcomes[outcomes.length - 1] as Extract<ClientOutcome, { kind: "ok" }>;
    expect((read.result as { entry: { value: string } }).entry.value).toBe(big);
  });

  it("one byte over the bound is refused with value-too-large, and nothing is written", () => {
    const outcomes = runOps([
      { module: "kv", command: { type: "put", key: "k", value: "x".repeat(maxValueBytes + 1) } },
      { module: "kv", command: { type: "get", key: "k" } },
    ]);
    expect(outcomes[0]).toMatchObject({ kind: "failed", definite: true, error: { code: "value-too-large" } });
    expect(outcomes[1]).toMatchObject({ kind: "ok", result: { entry: null } });
  });
});
