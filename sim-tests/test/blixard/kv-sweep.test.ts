import { describe, expect, it } from "vitest";
import { FAULT_CLASSES } from "@blixard/runtime-sim";
import { expectAllPassed, summed, sweep } from "./sweep-helpers";

// 200 seeds of KV clients under every non-Byzantine fault class, 3 to 5 nodes, swarm-drawn
// fault rates. Raft safety is checked after every event; each history must be linearizable.
describe("kv sweep: Raft under faults stays safe, live and linearizable", () => {
  it("200 seeds, 3-5 nodes, every fault class, intensity 0.3-1", () => {
    const result = sweep(200, 20_000, (i) => ({
      workload: "kv",
      nodes: 3 + (i % 3),
      durationSeconds: 20,
      faults: FAULT_CLASSES.filter((c) => c !== "byzantine"),
      intensity: 0.3 + (i % 8) * 0.1,
    }));
    expectAllPassed(result);
    expect(result.faultsInjected).toBeGreaterThan(500);
    expect(summed(result.reports, "opsOk")).toBeGreaterThan(80_000);
    const verdicts = result.reports.map((r) => String(r.summary["linearizability"]).split(" ")[0]);
    expect(verdicts.filter((v) => v === "linearizable").length).toBe(verdicts.length);
    // Each run draws its read path: both ReadIndex and lease reads are held to the same checks.
    const leaseRuns = result.reports.filter((r) => r.summary["readMode"] === "lease").length;
    expect(leaseRuns).toBeGreaterThan(50);
    expect(result.reports.length - leaseRuns).toBeGreaterThan(50);
  });
});
