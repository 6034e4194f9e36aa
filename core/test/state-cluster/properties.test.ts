import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placeVm } from "../../src/scheduler/place";
import { requestOf } from "../../src/state/cluster/cluster-state";
import { GenerationTracker } from "../../src/state/cluster/invariants";
import { ClusterModule } from "../../src/state/cluster/module";
import type { Strategy } from "../../src/scheduler/types";
import { Harness } from "./harness";

/** One step of a random operator/leader/host workload, resolved against current state when run. */
type Step =
  | { kind: "create"; vm: number; vcpus: number; group: number | null; priority: number }
  | { kind: "schedule-stale"; count: number; strategy: number }
  | { kind: "report"; vm: number; observed: number; stale: boolean }
  | { kind: "desired"; vm: number; desired: number }
  | { kind: "host-status"; host: number; status: number }
  | { kind: "migrate"; vm: number; host: number }
  | { kind: "unplace"; vm: number };

// Creation and scheduling weigh more, so hosts fill up and racing placements collide often.
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("create" as const), vm: fc.nat(11), vcpus: fc.integer({ min: 1, max: 6 }), group: fc.option(fc.nat(1)), priority: fc.nat(100) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("schedule-stale" as const), count: fc.integer({ min: 1, max: 4 }), strategy: fc.nat(2) }), weight: 3 },
  fc.record({ kind: fc.constant("report" as const), vm: fc.nat(11), observed: fc.nat(6), stale: fc.boolean() }),
  fc.record({ kind: fc.constant("desired" as const), vm: fc.nat(11), desired: fc.nat(2) }),
  fc.record({ kind: fc.constant("host-status" as const), host: fc.nat(3), status: fc.nat(2) }),
  fc.record({ kind: fc.constant("migrate" as const), vm: fc.nat(11), host: fc.nat(3) }),
  fc.record({ kind: fc.constant("unplace" as const), vm: fc.nat(11) }),
);

const OBSERVED = ["pending", "scheduled", "starting", "running", "stopping", "stopped", "failed"];
const STRATEGIES: Strategy[] = [{ kind: "most-available" }, { kind: "least-available" }, { kind: "round-robin" }];

function runStep(h: Harness, step: Step): void {
  const m = h.module;
  const name = (i: number): string => `vm${i}`;
  switch (step.kind) {
    case "create":
      h.run({ type: "create-vm", spec: { name: name(step.vm), vcpus: step.vcpus, memoryMib: 512 * step.vcpus, antiAffinityGroup: step.group === null ? null : `g${step.group}`, priority: step.priority } });
      return;
    case "schedule-stale": {
      // Several decisions from ONE view, applied afterwards: racing placements.
      const view = m.schedulerView();
      const pending = m.pendingVms().slice(0, step.count);
      const decisions = pending.map((p) => ({ p, d: placeVm(view, requestOf(m.getVm(p.name)!), STRATEGIES[step.strategy]!) }));
      for (const { p, d } of decisions) {
        if (d.kind === "placed") h.run({ type: "place-vm", vmName: p.name, hostId: d.hostId, expectedGeneration: m.getVm(p.name)?.generation ?? 0 });
        if (d.kind === "preempt") for (const victim of d.evict) h.run({ type: "evict-vm", vmName: victim, reason: `preempted by ${p.name}` });
      }
      return;
    }
    case "report": {
      const p = m.getVm(name(step.vm))?.placement;
      if (p === undefined || p === null) return;
      const generation = step.stale ? Math.max(1, p.generation - 1) : p.generation;
      h.run({ type: "report-vm-status", vmName: name(step.vm), hostId: p.hostId, generation, observed: OBSERVED[step.observed], detail: null, exitCode: null });
      return;
    }
    case "desired":
      h.run({ type: "set-desired", vmName: name(step.vm), desired: ["running", "stopped", "deleted"][step.desired] });
      return;
    case "host-status":
      h.run({ type: "set-host-status", hostId: `h${step.host}`, status: ["healthy", "suspect", "down"][step.status] });
      return;
    case "migrate":
      h.run({ type: "migrate-vm", vmName: name(step.vm), targetHostId: `h${step.host}` });
      return;
    case "unplace": {
      const p = m.getVm(name(step.vm))?.placement;
      if (p) h.run({ type: "unplace-vm", vmName: name(step.vm), hostId: p.hostId, generation: p.generation, reason: "host fenced" });
    }
  }
}

function setUp(): Harness {
  const h = new Harness();
  h.host("h0", 8, 8192);
  h.host("h1", 4, 4096);
  h.host("h2", 12, 6144);
  h.host("h3", 6, 16384);
  return h;
}

describe("cluster module properties", () => {
  it("under random racing workloads no host is ever overcommitted, no VM has two owners, generations only grow", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const h = setUp();
        const tracker = new GenerationTracker();
        for (const step of steps) {
          runStep(h, step);
          expect(h.module.invariantViolations()).toEqual([]);
          expect(tracker.observe(h.module.data)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("is deterministic: the same commands give the same snapshot, and a restored copy matches", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const a = setUp();
        const b = setUp();
        for (const step of steps) runStep(a, step);
        for (const step of steps) runStep(b, step);
        expect(JSON.stringify(b.module.snapshot())).toBe(JSON.stringify(a.module.snapshot()));
        const restored = new ClusterModule();
        restored.restore(JSON.parse(JSON.stringify(a.module.snapshot())));
        expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(a.module.snapshot()));
        expect(restored.invariantViolations()).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });

  it("validate never throws on arbitrary input", () => {
    const m = new ClusterModule();
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom("register-host", "create-vm", "place-vm", "report-vm-status"), hostId: fc.anything(), spec: fc.anything(), capacity: fc.anything() })), (input) => {
        const r = m.validate(input);
        if (!r.ok) expect(r.error.code).toBe("invalid-cluster-command");
      }),
      { numRuns: 300 },
    );
  });
});
