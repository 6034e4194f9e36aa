import { describe, expect, it } from "vitest";
import { Harness } from "./harness";

describe("cluster module: VM lifecycle", () => {
  it("create, place, report running: records status, allocation and history", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("web");
    expect(h.module.pendingVms()).toEqual([{ name: "web", priority: 50, reason: "waiting for the scheduler" }]);
    expect(h.place("web", "h1")).toEqual({ ok: true, value: { command: "place-vm", effect: "applied", detail: "VM web placed on h1 at generation 1" } });
    expect(h.report("web", "running").ok).toBe(true);
    const vm = h.module.getVm("web");
    expect([vm?.status, vm?.placement, vm?.pendingReason]).toEqual(["running", { hostId: "h1", generation: 1 }, null]);
    expect(vm?.history.map((t) => [t.from, t.to, t.reason])).toEqual([
      ["pending", "pending", "created"],
      ["pending", "scheduled", "placed on h1"],
      ["scheduled", "running", "reported by h1"],
    ]);
    expect(h.module.allocationOf("h1")).toEqual({ vcpus: 2, memoryMib: 1024, diskGib: 0 });
    expect(h.module.vmsOnHost("h1").map((v) => v.spec.name)).toEqual(["web"]);
    expect(h.module.pendingVms()).toEqual([]);
  });

  it("keeps at most 32 status transitions per VM", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("web");
    h.place("web", "h1");
    for (let i = 0; i < 40; i++) h.report("web", i % 2 === 0 ? "running" : "starting");
    const history = h.module.getVm("web")?.history ?? [];
    expect(history.length).toBe(32);
    expect(history.at(-1)?.index).toBe(h.index);
  });

  it("apply-time re-validation rejects a placement that would overcommit, leaving the VM pending with the reason", () => {
    const h = new Harness();
    h.host("h1", 4, 8192);
    h.vm("a", 3);
    h.vm("b", 3);
    // Both were scheduled from the same (stale) view that showed h1 empty.
    expect(h.place("a", "h1").ok).toBe(true);
    const second = h.place("b", "h1");
    expect(second.ok ? null : [second.error.code, second.error.message]).toEqual([
      "placement-rejected",
      "placement on h1 rejected at apply: VM b needs 3 vcpus; host h1 has 1 free",
    ]);
    expect(h.module.getVm("b")?.placement).toBeNull();
    expect(h.module.pendingVms()).toEqual([{ name: "b", priority: 50, reason: "placement on h1 rejected at apply: VM b needs 3 vcpus; host h1 has 1 free" }]);
    expect(h.module.allocationOf("h1").vcpus).toBe(3);
    expect(h.module.invariantViolations()).toEqual([]);
  });

  it("rejects a second placement of the same VM and a stale expected generation", () => {
    const h = new Harness();
    h.host("h1");
    h.host("h2");
    h.vm("a");
    expect(h.run({ type: "place-vm", vmName: "a", hostId: "h1", expectedGeneration: 0 }).ok).toBe(true);
    const again = h.run({ type: "place-vm", vmName: "a", hostId: "h2", expectedGeneration: 0 });
    expect(again.ok ? null : again.error.message).toBe("VM a is already placed on h1 (generation 1)");
    h.must({ type: "unplace-vm", vmName: "a", hostId: "h1", generation: 1, reason: "host h1 fenced" });
    const stale = h.run({ type: "place-vm", vmName: "a", hostId: "h2", expectedGeneration: 0 });
    expect(stale.ok ? null : stale.error.message).toBe("placement of VM a expected generation 0, but it is 1");
  });

  it("also re-checks anti-affinity, features, cordon and health at apply time", () => {
    const h = new Harness();
    h.host("h1");
    h.host("h2", 8, 8192, []);
    h.vm("w1", 1, 512, { antiAffinityGroup: "web" });
    h.vm("w2", 1, 512, { antiAffinityGroup: "web", requiredFeatures: ["kvm"] });
    h.place("w1", "h1");
    const group = h.place("w2", "h1");
    expect(group.ok ? null : group.error.message).toBe("placement on h1 rejected at apply: host h1 already runs a VM of anti-affinity group web");
    const feature = h.place("w2", "h2");
    expect(feature.ok ? null : feature.error.message).toBe("placement on h2 rejected at apply: host h2 lacks feature kvm");
    h.must({ type: "set-host-status", hostId: "h2", status: "down" });
    h.vm("x", 1, 512);
    const down = h.place("x", "h2");
    expect(down.ok ? null : down.error.message).toBe("placement on h2 rejected at apply: host h2 is down");
    h.must({ type: "cordon", hostId: "h1" });
    const cordoned = h.place("x", "h1");
    expect(cordoned.ok ? null : cordoned.error.message).toBe("placement on h1 rejected at apply: host h1 is cordoned");
  });

  it("ignores status reports from a non-owner or an old generation, saying why", () => {
    const h = new Harness();
    h.host("h1");
    h.host("h2");
    h.vm("a");
    h.place("a", "h1");
    h.must({ type: "unplace-vm", vmName: "a", hostId: "h1", generation: 1, reason: "host h1 fenced" });
    h.place("a", "h2");
    h.report("a", "running");
    const old = h.report("a", "stopped", "h1", 1);
    expect(old).toEqual({
      ok: true,
      value: { command: "report-vm-status", effect: "ignored", detail: "stale report for VM a from h1 generation 1: the owner is h2 at generation 2" },
    });
    expect(h.module.getVm("a")?.status).toBe("running");
    const gone = h.report("zzz", "running", "h1", 1);
    expect(gone.ok && gone.value.effect).toBe("ignored");
  });

  it("a VM re-created under an old name never accepts reports meant for its predecessor", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("a");
    h.place("a", "h1");
    h.must({ type: "set-desired", vmName: "a", desired: "deleted" });
    h.report("a", "stopped");
    expect(h.module.getVm("a")).toBeUndefined();
    h.vm("a");
    h.place("a", "h1");
    expect(h.module.getVm("a")?.generation).toBe(2);
    expect(h.report("a", "failed", "h1", 1)).toMatchObject({ ok: true, value: { effect: "ignored" } });
  });

  it("delete completes only when the owner reports the VM stopped", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("a");
    h.place("a", "h1");
    h.report("a", "running");
    expect(h.must({ type: "set-desired", vmName: "a", desired: "deleted" })).toBe("VM a desired deleted; owner h1 acts on it");
    expect(h.module.getVm("a")?.desired).toBe("deleted");
    expect(h.module.allocationOf("h1").vcpus).toBe(2);
    h.report("a", "stopping");
    expect(h.module.getVm("a")).toBeDefined();
    h.report("a", "stopped");
    expect(h.module.getVm("a")).toBeUndefined();
    expect(h.module.allocationOf("h1").vcpus).toBe(0);
    // An unplaced VM is deleted at once.
    h.vm("b");
    expect(h.must({ type: "set-desired", vmName: "b", desired: "deleted" })).toBe("VM b deleted");
  });

  it("stopping releases the host; starting again goes back through the scheduler", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("a");
    h.place("a", "h1");
    h.must({ type: "set-desired", vmName: "a", desired: "stopped" });
    h.report("a", "stopped");
    expect([h.module.getVm("a")?.status, h.module.getVm("a")?.placement]).toEqual(["stopped", null]);
    h.must({ type: "set-desired", vmName: "a", desired: "running" });
    expect(h.module.pendingVms().map((p) => p.name)).toEqual(["a"]);
  });

  it("cold migration: the owner stops it, then it lands on the target with a new generation", () => {
    const h = new Harness();
    h.host("h1");
    h.host("h2");
    h.vm("a");
    h.place("a", "h1");
    h.report("a", "running");
    expect(h.must({ type: "migrate-vm", vmName: "a", targetHostId: "h2" })).toBe("VM a to stop on h1, then start on h2");
    expect(h.module.getVm("a")?.placement?.hostId).toBe("h1");
    expect(h.report("a", "stopped")).toEqual({
      ok: true,
      value: { command: "report-vm-status", effect: "applied", detail: "VM a migrated h1 -> h2 at generation 2" },
    });
    expect(h.module.getVm("a")?.placement).toEqual({ hostId: "h2", generation: 2 });
    expect([h.module.allocationOf("h1").vcpus, h.module.allocationOf("h2").vcpus]).toEqual([0, 2]);
  });

  it("eviction (preemption): the owner stops it and it goes back to pending with the reason", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("low", 2, 1024, { priority: 1 });
    h.place("low", "h1");
    h.must({ type: "evict-vm", vmName: "low", reason: "preempted by big (priority 900)" });
    h.report("low", "stopped");
    expect(h.module.pendingVms()).toEqual([{ name: "low", priority: 1, reason: "evicted: preempted by big (priority 900)" }]);
  });

  it("drain marks VMs for evacuation; heartbeats never go back in time", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("a");
    h.place("a", "h1");
    h.must({ type: "drain", hostId: "h1" });
    expect(h.module.vmsToEvacuate().map((v) => v.spec.name)).toEqual(["a"]);
    h.must({ type: "host-heartbeat", hostId: "h1", atMs: 5000 });
    // An older clock reading does not rewind the record, but the heartbeat still counts (its index is kept).
    expect(h.run({ type: "host-heartbeat", hostId: "h1", atMs: 4000 })).toMatchObject({ ok: true, value: { effect: "applied" } });
    expect(h.module.getHost("h1")).toMatchObject({ lastHeartbeatMs: 5000, lastHeartbeatIndex: h.index });
    expect(h.module.getHost("h1")?.lastHeartbeatMs).toBe(5000);
    const shrink = h.run({ type: "register-host", hostId: "h1", address: "x", capacity: { vcpus: 1, memoryMib: 8192, diskGib: 100 }, features: [] });
    expect(shrink.ok ? null : shrink.error.message).toBe("host h1 cannot shrink vcpus to 1: 2 is allocated to its VMs");
  });

  it("a report older than the last one counted (a replay) is ignored: an old 'failed' cannot vacate a VM its host restarted", () => {
    const h = new Harness();
    h.host("h1");
    h.host("h2");
    h.vm("web");
    h.place("web", "h1");
    const report = (observed: string, basedOnIndex: number) =>
      h.run({ type: "report-vm-status", vmName: "web", hostId: "h1", generation: 1, observed, detail: null, exitCode: null, basedOnIndex });
    expect(report("failed", 10).ok).toBe(true);
    expect(report("starting", 12).ok).toBe(true); // restarted by policy after its exit report applied
    expect(h.run({ type: "drain", hostId: "h1" }).ok).toBe(true);
    expect(h.run({ type: "evict-vm", vmName: "web", reason: "host h1 is draining" }).ok).toBe(true);
    const replay = report("failed", 10);
    expect(replay.ok && replay.value).toMatchObject({ effect: "ignored", detail: expect.stringMatching(/made at applied index 10, before the report already counted \(made at 12\)/) as unknown as string });
    expect(h.module.getVm("web")?.placement).toEqual({ hostId: "h1", generation: 1 });
    // The host's own later report does take effect and completes the eviction.
    expect(report("stopped", 15).ok).toBe(true);
    expect(h.module.getVm("web")?.placement).toBeNull();
    // A new placement starts counting afresh.
    h.place("web", "h2");
    expect(h.module.getVm("web")?.lastReportBasedOn).toBe(0);
  });

  it("a fence decided before the host's latest heartbeat was applied is void: that heartbeat renewed the host's lease", () => {
    const h = new Harness();
    h.host("h1");
    h.vm("web");
    h.place("web", "h1");
    h.must({ type: "host-heartbeat", hostId: "h1", atMs: 10 });
    const decidedAt = h.module.getHost("h1")?.lastHeartbeatIndex ?? -1;
    expect(decidedAt).toBe(h.index);
    // A heartbeat the host sent before the leader's decision commits first, then the fence (even with its clock gone back).
    h.must({ type: "host-heartbeat", hostId: "h1", atMs: 5 });
    const fence = h.run({ type: "unplace-vm", vmName: "web", hostId: "h1", generation: 1, reason: "host h1 fenced", heartbeatIndex: decidedAt });
    expect(fence.ok && fence.value).toMatchObject({ effect: "ignored", detail: expect.stringMatching(/is void: the host was heard at index \d+, after the fence was decided/) as unknown as string });
    expect(h.module.getVm("web")?.placement).toEqual({ hostId: "h1", generation: 1 });
    // Decided on the latest heartbeat, the fence takes effect.
    const now = h.module.getHost("h1")?.lastHeartbeatIndex ?? -1;
    h.must({ type: "unplace-vm", vmName: "web", hostId: "h1", generation: 1, reason: "host h1 fenced", heartbeatIndex: now });
    expect(h.module.getVm("web")?.placement).toBeNull();
  });
});
