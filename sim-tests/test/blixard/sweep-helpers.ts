import { expect } from "vitest";
import { DEFAULT_RUN_OPTIONS, runSimulation, type RunOptions, type RunReport } from "@blixard/runtime-sim";

export interface SweepResult {
  readonly reports: readonly RunReport[];
  readonly failures: readonly string[];
  readonly faultsInjected: number;
}

/** Run `count` seeds from `firstSeed`; `vary` derives each run's options from its position. */
export function sweep(count: number, firstSeed: number, vary: (i: number) => Partial<RunOptions>): SweepResult {
  const reports: RunReport[] = [];
  const failures: string[] = [];
  let faultsInjected = 0;
  for (let i = 0; i < count; i++) {
    const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: firstSeed + i, ...vary(i) });
    if (!result.ok) throw new Error(result.error.message);
    const report = result.value;
    reports.push(report);
    faultsInjected += Object.values(report.faults).reduce((a, b) => a + b, 0);
    if (report.failure !== null) {
      failures.push(`${report.failure.kind} ${report.failure.name} at ${report.failure.atUs}us: ${report.failure.description.slice(0, 300)}\n  replay: ${report.replayCommand}`);
    }
  }
  return { reports, failures, faultsInjected };
}

/** Every run passed; the failures, if any, print with the command that replays each. */
export function expectAllPassed(result: SweepResult): void {
  expect(result.failures.join("\n")).toBe("");
}

export const summed = (reports: readonly RunReport[], field: string): number =>
  reports.reduce((sum, r) => sum + Number(r.summary[field] ?? 0), 0);
