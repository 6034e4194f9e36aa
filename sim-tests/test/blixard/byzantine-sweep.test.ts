import { describe, expect, it } from "vitest";
import { FAULT_CLASSES } from "@blixard/runtime-sim";
import { expectAllPassed, summed, sweep } from "./sweep-helpers";

// Byzantine peers corrupt, replay and forge what they send while everything else also fails:
// checksums and strict decoders must keep every replica safe; the mixed workload must still pass.
describe("byzantine sweep: corrupted, replayed and garbage messages never break safety", () => {
  it("20 seeds of the mixed workload with every fault class including byzantine", () => {
    const result = sweep(20, 40_000, (i) => ({
      workload: "mixed",
      nodes: 3 + (i % 3),
      durationSeconds: 40,
      faults: FAULT_CLASSES,
      intensity: 0.5 + (i % 5) * 0.1,
    }));
    expectAllPassed(result);
    const byzantine = result.reports.reduce((sum, r) => sum + (r.faults.byzantine ?? 0), 0);
    expect(byzantine).toBeGreaterThan(20);
    expect(summed(result.reports, "opsOk")).toBeGreaterThan(5_000);
  });
});
