import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS, runSimulation, ScenarioRegistry, setupKv, type Scenario } from "@blixard/runtime-sim";

type FaultStep =
  | { readonly atMs: number; readonly kind: "isolate" | "crash" | "restart" | "pause" | "resume"; readonly node: number }
  | { readonly atMs: number; readonly kind: "split"; readonly node: number }
  | { readonly atMs: number; readonly kind: "heal"; readonly node: number };

const NODES = ["n1", "n2", "n3", "n4", "n5"];
const stepArb: fc.Arbitrary<FaultStep> = fc.record({
  atMs: fc.integer({ min: 500, max: 14_000 }),
  kind: fc.constantFrom("isolate", "crash", "restart", "pause", "resume", "split", "heal") as fc.Arbitrary<FaultStep["kind"]>,
  node: fc.integer({ min: 0, max: NODES.length - 1 }),
}) as fc.Arbitrary<FaultStep>;

/** A kv scenario whose faults are exactly the generated schedule (no nemesis), healed when the faults phase ends. */
function scheduled(steps: readonly FaultStep[]): Scenario {
  return {
    name: "kv-scheduled",
    description: "kv under a generated fault schedule",
    supportedFaults: [],
    setup(context) {
      const run = setupKv(context);
      const { sim } = context;
      for (const step of steps) {
        const id = NODES[step.node] ?? "n1";
        sim.scheduleAt(step.atMs * 1000, `schedule.${step.kind}`, () => {
          const status = sim.status(id);
          if (step.kind === "isolate") sim.network.links.isolate(id, [...NODES, ...sim.clientIds()]);
          if (step.kind === "split") sim.network.links.partition([NODES.slice(0, step.node + 1), NODES.slice(step.node + 1)]);
          if (step.kind === "heal") sim.network.links.heal();
          if (step.kind === "crash" && status === "up") sim.crash(id, { tornWrites: step.atMs % 2 === 0 });
          if (step.kind === "restart" && status === "down") sim.restart(id);
          if (step.kind === "pause" && status === "up") sim.pause(id);
          if (step.kind === "resume" && status === "paused") sim.resume(id);
        });
      }
      sim.scheduleAt(context.faultsEndUs, "schedule.heal-all", () => {
        sim.network.links.heal();
        for (const id of NODES) {
          if (sim.status(id) === "down") sim.restart(id);
          if (sim.status(id) === "paused") sim.resume(id);
        }
      });
      return run;
    },
  };
}

describe("property: any fault schedule keeps Raft safe and the KV history linearizable", () => {
  it("random schedules of partitions, crashes (torn writes), pauses and heals", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(stepArb, { maxLength: 24 }), (seed, steps) => {
        const registry = new ScenarioRegistry([scheduled(steps)]);
        const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed, durationSeconds: 20, faults: [], workload: "kv-scheduled" }, { registry });
        if (!result.ok) throw new Error(result.error.message);
        const report = result.value;
        const why = report.failure === null ? "ok" : `${report.failure.kind} ${report.failure.name}: ${report.failure.description.slice(0, 400)}`;
        expect(why).toBe("ok");
        expect(String(report.summary["linearizability"])).toMatch(/^linearizable/);
      }),
      { numRuns: 25 },
    );
  });
});
