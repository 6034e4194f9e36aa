import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS, FAULT_CLASSES, runSimulation } from "@blixard/runtime-sim";

describe("toy workload sweep", () => {
  it("survives every fault class, Byzantine included, across seeds and cluster sizes", () => {
    const failures: string[] = [];
    let faultsInjected = 0;
    for (let i = 0; i < 6; i++) {
      const options = { ...DEFAULT_RUN_OPTIONS, workload: "toy", seed: 1000 + i, nodes: 3 + (i % 3), durationSeconds: 20, faults: FAULT_CLASSES, intensity: 1 };
      const result = runSimulation(options);
      if (!result.ok) throw new Error(result.error.message);
      const report = result.value;
      faultsInjected += Object.values(report.faults).reduce((a, b) => a + b, 0);
      if (report.failure !== null) failures.push(`${report.failure.kind} ${report.failure.name}: ${report.failure.description} — ${report.replayCommand}`);
      expect(Number(report.summary.increments)).toBeGreaterThan(0);
    }
    expect(failures).toEqual([]);
    expect(faultsInjected).toBeGreaterThan(50);
  });
});
