import { describe, expect, it } from "vitest";
import { InvariantViolation } from "@blixard/core";
import { DEFAULT_RUN_OPTIONS, FAULT_CLASSES, runSimulation, ScenarioRegistry, type RunReport, type Scenario } from "../src/index";

/** A scenario whose world misbehaves at 1.5 s in a chosen way. */
function faulty(kind: "invariant" | "throw" | "assert" | "end-check"): Scenario {
  return {
    name: `faulty-${kind}`,
    description: "test scenario that fails on purpose",
    supportedFaults: FAULT_CLASSES,
    setup({ sim }) {
      let broken = false;
      sim.addNode("n1", (rt) => {
        const tick = (): void => void rt.clock.setTimer(100, tick);
        tick();
        return rt;
      });
      sim.schedule(1_500_000, "boom", () => {
        if (kind === "throw") throw new TypeError("cannot read properties of undefined");
        if (kind === "assert") throw new InvariantViolation("log-matching", "entry 7 differs");
        broken = true;
      });
      sim.addInvariant("never-broken", () => (kind === "invariant" && broken ? "the world broke at boom" : null));
      sim.addEndCheck("converges", () => (kind === "end-check" ? "replicas disagree at the end" : null));
      return { summary: () => ({}) };
    },
  };
}

function run(kind: Parameters<typeof faulty>[0]): RunReport {
  const registry = new ScenarioRegistry([faulty(kind)]);
  const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 4242, durationSeconds: 10, faults: ["network", "clock"], workload: `faulty-${kind}` }, { registry });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe("failure reports", () => {
  it("an invariant violation stops the run at once and carries seed, time, trace tail and replay command", () => {
    const report = run("invariant");
    expect(report.outcome).toBe("safety");
    expect(report.failure).toMatchObject({ kind: "safety", name: "never-broken", description: "the world broke at boom", atUs: 1_500_000 });
    expect(report.virtualUs).toBe(1_500_000); // nothing ran after the violating event
    const tail = report.failure!.traceTail;
    expect(tail.length).toBeGreaterThan(5);
    expect(tail.length).toBeLessThanOrEqual(31);
    expect(tail.at(-1)).toMatchObject({ kind: "failure.safety" });
    expect(tail.at(-2)).toMatchObject({ kind: "boom", atUs: 1_500_000 });
    expect(report.replayCommand).toBe("SEED=4242 pnpm sim --nodes 5 --duration 10 --faults network,clock --intensity 0.5 --workload faulty-invariant");
    expect(report.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("an exception in simulated software fails the run, stack kept out of the trace", () => {
    const report = run("throw");
    expect(report.failure).toMatchObject({ kind: "exception", name: "uncaught-exception", atUs: 1_500_000 });
    expect(report.failure!.description).toContain("TypeError: cannot read properties of undefined");
    expect(report.failure!.stack).toContain("failures.test.ts");
    expect(report.failure!.traceTail.some((e) => e.detail.includes("failures.test.ts"))).toBe(false);
  });

  it("core's InvariantViolation is reported as a safety failure under its own name", () => {
    expect(run("assert").failure).toMatchObject({ kind: "safety", name: "log-matching" });
  });

  it("end-of-run checks report liveness failures after the quiet phase", () => {
    const report = run("end-check");
    expect(report.outcome).toBe("liveness");
    expect(report.failure).toMatchObject({ name: "converges", description: "replicas disagree at the end", atUs: 10_000_000 });
  });

  it("bad options and unknown workloads are error values, not crashes", () => {
    const bad = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 1, nodes: 0 });
    expect(bad.ok).toBe(false);
    const unknown = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 1, workload: "nope" });
    expect(!unknown.ok && unknown.error.code).toBe("unknown-workload");
  });
});
