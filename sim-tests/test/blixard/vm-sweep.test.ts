import { describe, expect, it } from "vitest";
import { FAULT_CLASSES } from "@blixard/runtime-sim";
import { expectAllPassed, summed, sweep } from "./sweep-helpers";

// The VM workload under host crashes, partitions, clock drift, disk faults and VM process crashes:
// no VM ever runs on two hosts, no host is overcommitted, and everything converges after the faults.
describe("vm sweep: no VM runs twice, placements never overcommit, the cluster converges", () => {
  it("30 seeds, 3-5 hosts, every fault class", () => {
    const result = sweep(30, 30_000, (i) => ({
      workload: "vm",
      nodes: 3 + (i % 3),
      durationSeconds: 45,
      faults: FAULT_CLASSES.filter((c) => c !== "byzantine"),
      intensity: 0.4 + (i % 6) * 0.1,
    }));
    expectAllPassed(result);
    expect(result.faultsInjected).toBeGreaterThan(200);
    expect(summed(result.reports, "creates")).toBeGreaterThan(150);
    expect(summed(result.reports, "vmsRunning")).toBeGreaterThan(60);
    const crashes = result.reports.reduce((sum, r) => sum + (r.faults.crash ?? 0), 0);
    expect(crashes).toBeGreaterThan(30);
  });
});
