import { describe, expect, it } from "vitest";
import { Harness } from "./harness";

const spec = (name: string, vcpus: number, memoryMib: number, extra: Record<string, unknown> = {}) => ({ name, vcpus, memoryMib, ...extra });

describe("update-vm", () => {
  it("replaces an unplaced VM's spec; the scheduler then works from the new one", () => {
    const h = new Harness();
    h.vm("web", 2, 1024);
    expect(h.must({ type: "update-vm", spec: spec("web", 4, 2048) })).toBe("VM web updated: it is not placed; the scheduler uses the new spec");
    expect(h.module.getVm("web")?.spec).toMatchObject({ vcpus: 4, memoryMib: 2048 });
  });

  it("a placed VM keeps its host when the new spec fits there, and the host's reservation follows the spec", () => {
    const h = new Harness();
    h.host("n1", 8, 8192);
    h.vm("web", 2, 1024);
    h.vm("db", 4, 4096);
    h.place("web", "n1");
    h.place("db", "n1");
    expect(h.module.allocationOf("n1")).toEqual({ vcpus: 6, memoryMib: 5120, diskGib: 0 });
    // 2 vCPUs free plus web's own 2: 4 fit, 5 do not.
    expect(h.must({ type: "update-vm", spec: spec("web", 4, 2048) })).toBe("VM web updated: its host n1 restarts it with the new spec if what it launches changed");
    expect(h.module.allocationOf("n1")).toEqual({ vcpus: 8, memoryMib: 6144, diskGib: 0 });
    expect(h.module.getVm("web")?.placement?.hostId).toBe("n1");
    const tooBig = h.run({ type: "update-vm", spec: spec("web", 5, 2048) });
    expect(tooBig.ok ? null : [tooBig.error.code, tooBig.error.message]).toEqual([
      "vm-update-rejected",
      "VM web cannot take the new spec on its host n1: it needs 5 vcpus and 4 are free there",
    ]);
    expect(h.module.getVm("web")?.spec.vcpus).toBe(4);
    expect(h.module.invariantViolations()).toEqual([]);
  });

  it("refuses a spec its host cannot take: a feature it lacks, a pin elsewhere, a group already there; says how to move it", () => {
    const h = new Harness();
    h.host("n1", 8, 8192, ["kvm"]);
    h.host("n2", 8, 8192, ["kvm"]);
    h.vm("web", 2, 1024);
    h.vm("api", 2, 1024, { antiAffinityGroup: "front" });
    h.place("web", "n1");
    h.place("api", "n1");
    const problem = (extra: Record<string, unknown>) => {
      const r = h.run({ type: "update-vm", spec: spec("web", 2, 1024, extra) });
      return r.ok ? null : r.error.message;
    };
    expect(problem({ requiredFeatures: ["gpu"] })).toBe("VM web cannot take the new spec on its host n1: the host lacks feature gpu");
    expect(problem({ placement: { strategy: "manual", hostId: "n2" } })).toBe("VM web cannot take the new spec on its host n1: the new spec pins it to n2");
    expect(problem({ antiAffinityGroup: "front" })).toBe("VM web cannot take the new spec on its host n1: another VM of anti-affinity group front runs there");
    const r = h.run({ type: "update-vm", spec: spec("web", 2, 1024, { requiredFeatures: ["gpu"] }) });
    expect(r.ok ? null : r.error.hint).toBe("stop it (blixard vm stop web), update it, and start it again: the scheduler then places it where the new spec fits");
  });

  it("an unchanged spec is ignored; an unknown or deleting VM and a bad spec are refused with their reasons", () => {
    const h = new Harness();
    h.host("n1");
    h.vm("web", 2, 1024);
    h.place("web", "n1");
    const same = h.run({ type: "update-vm", spec: spec("web", 2, 1024) });
    expect(same.ok && same.value).toEqual({ command: "update-vm", effect: "ignored", detail: "VM web already has this spec" });
    const unknown = h.run({ type: "update-vm", spec: spec("nope", 2, 1024) });
    expect(unknown.ok ? null : unknown.error.code).toBe("unknown-vm");
    const bad = h.run({ type: "update-vm", spec: spec("web", 0, 1024) });
    expect(bad.ok ? null : [bad.error.code, bad.error.message]).toEqual(["invalid-cluster-command", "cluster command rejected: spec.vcpus must be an integer between 1 and 64, got 0"]);
    h.must({ type: "set-desired", vmName: "web", desired: "deleted" });
    const deleting = h.run({ type: "update-vm", spec: spec("web", 4, 1024) });
    expect(deleting.ok ? null : deleting.error.code).toBe("vm-deleting");
  });
});
