import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placeVm } from "../../src/scheduler/place";
import { PlacementIndex } from "../../src/scheduler/placement-index";
import type { Decision, PlacedVm, SchedHost, SchedulerView, Strategy, VmRequest } from "../../src/scheduler/types";

const FEATURES = ["gpu", "kvm", "nix"];
const GROUPS = ["db", "web"];

const hostArb = (id: string): fc.Arbitrary<SchedHost> =>
  fc.record({
    id: fc.constant(id),
    // Mostly a few shared shapes, so equal scores (and tie-breaks) are common.
    capacity: fc.oneof(
      fc.constantFrom({ vcpus: 8, memoryMib: 4096, diskGib: 20 }, { vcpus: 4, memoryMib: 8192, diskGib: 20 }, { vcpus: 16, memoryMib: 2048, diskGib: 40 }),
      fc.record({ vcpus: fc.integer({ min: 0, max: 16 }), memoryMib: fc.integer({ min: 0, max: 8192 }), diskGib: fc.integer({ min: 0, max: 50 }) }),
    ),
    features: fc.subarray(FEATURES),
    status: fc.constantFrom("healthy", "healthy", "healthy", "suspect", "down"),
    cordoned: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    draining: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });

const hostsArb: fc.Arbitrary<SchedHost[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 0, maxLength: 10 })
  .chain((ids) => fc.tuple(...ids.map((i) => hostArb(`h${i}`))));

const requestArb = (name: string): fc.Arbitrary<VmRequest> =>
  fc.record({
    name: fc.constant(name),
    resources: fc.oneof(
      fc.constantFrom({ vcpus: 1, memoryMib: 1024, diskGib: 5 }, { vcpus: 2, memoryMib: 512, diskGib: 5 }, { vcpus: 4, memoryMib: 2048, diskGib: 10 }),
      fc.record({ vcpus: fc.integer({ min: 1, max: 6 }), memoryMib: fc.integer({ min: 64, max: 3000 }), diskGib: fc.integer({ min: 0, max: 12 }) }),
    ),
    requiredFeatures: fc.subarray(FEATURES, { maxLength: 2 }),
    antiAffinityGroup: fc.constantFrom(null, null, ...GROUPS),
    priority: fc.integer({ min: 0, max: 100 }),
  });

const requestsArb = fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => requestArb(`vm${i}`))));

const strategyArb: fc.Arbitrary<Strategy> = fc.oneof(
  fc.constant({ kind: "most-available" as const }),
  fc.constant({ kind: "least-available" as const }),
  fc.constant({ kind: "round-robin" as const }),
  fc.integer({ min: 0, max: 30 }).map((i) => ({ kind: "manual" as const, hostId: `h${i}` })),
);

/** Apply decisions one by one with the one-shot function, as the leader would. */
function oneShotSequence(start: SchedulerView, vms: readonly VmRequest[], strategy: Strategy): { decisions: Decision[]; view: SchedulerView } {
  let view = start;
  const decisions = vms.map((vm) => {
    const d = placeVm(view, vm, strategy);
    if (d.kind === "placed") {
      const p: PlacedVm = { name: vm.name, hostId: d.hostId, resources: vm.resources, antiAffinityGroup: vm.antiAffinityGroup, priority: vm.priority };
      view = { ...view, placed: [...view.placed, p], roundRobinCursor: d.hostId };
    }
    return d;
  });
  return { decisions, view };
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("scheduler properties", () => {
  it("the index's batch decisions equal the one-shot function's, step by step", () => {
    fc.assert(
      fc.property(hostsArb, requestsArb, strategyArb, (hosts, vms, strategy) => {
        const start: SchedulerView = { hosts, placed: [], roundRobinCursor: null };
        const expected = oneShotSequence(start, vms, strategy).decisions;
        expect(new PlacementIndex(start).placeBatch(vms, strategy)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("placements never overcommit a host and respect features, health and anti-affinity", () => {
    fc.assert(
      fc.property(hostsArb, requestsArb, strategyArb, (hosts, vms, strategy) => {
        const { view } = oneShotSequence({ hosts, placed: [], roundRobinCursor: null }, vms, strategy);
        const byName = new Map(vms.map((v) => [v.name, v]));
        for (const h of hosts) {
          const mine = view.placed.filter((p) => p.hostId === h.id);
          for (const r of ["vcpus", "memoryMib", "diskGib"] as const) {
            expect(mine.reduce((sum, p) => sum + p.resources[r], 0)).toBeLessThanOrEqual(h.capacity[r]);
          }
          if (mine.length > 0) expect([h.status, h.cordoned, h.draining]).toEqual(["healthy", false, false]);
          const groups = mine.map((p) => p.antiAffinityGroup).filter((g) => g !== null);
          expect(new Set(groups).size).toBe(groups.length);
          for (const p of mine) for (const f of byName.get(p.name)?.requiredFeatures ?? []) expect(h.features).toContain(f);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("a decision depends on the state only, not on the order hosts and VMs are listed", () => {
    fc.assert(
      fc.property(hostsArb, requestsArb, requestArb("new"), strategyArb, fc.integer(), (hosts, vms, vm, strategy, seed) => {
        const { view } = oneShotSequence({ hosts, placed: [], roundRobinCursor: null }, vms, { kind: "round-robin" });
        const first = placeVm(view, vm, strategy);
        expect(placeVm(view, vm, strategy)).toEqual(first);
        const reordered = { ...view, hosts: shuffle(view.hosts, seed), placed: shuffle(view.placed, seed + 1) };
        expect(placeVm(reordered, vm, strategy)).toEqual(first);
        expect(new PlacementIndex(reordered).place(vm, strategy)).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });

  it("removing a VM frees its resources in the index exactly as in a rebuilt one", () => {
    fc.assert(
      fc.property(hostsArb, requestsArb, fc.integer(), (hosts, vms, seed) => {
        const index = new PlacementIndex({ hosts, placed: [], roundRobinCursor: null });
        index.placeBatch(vms, { kind: "least-available" });
        const victims = shuffle(vms, seed).slice(0, Math.floor(vms.length / 2));
        for (const v of victims) index.remove(v.name);
        const rebuilt = new PlacementIndex(index.view());
        const probes = vms.map((v) => ({ ...v, name: `${v.name}-again` }));
        expect(index.placeBatch(probes, { kind: "most-available" })).toEqual(rebuilt.placeBatch(probes, { kind: "most-available" }));
      }),
      { numRuns: 150 },
    );
  });
});
