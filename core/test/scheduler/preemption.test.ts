import { describe, expect, it } from "vitest";
import { placeVm } from "../../src/scheduler/place";
import { PlacementIndex } from "../../src/scheduler/placement-index";
import { host, placed, request, view } from "./fixtures";

const spread = { kind: "most-available" } as const;

describe("preemption", () => {
  const hosts = [host("h1", 8, 8192), host("h2", 8, 8192)];

  it("evicts the fewest strictly lower-priority VMs", () => {
    const vms = [
      placed("a1", "h1", 4, 4096, { priority: 10 }),
      placed("a2", "h1", 4, 4096, { priority: 10 }),
      placed("b1", "h2", 8, 8192, { priority: 40 }),
    ];
    const d = placeVm(view(hosts, vms), request("big", 8, 8192, { priority: 100 }), spread);
    expect(d).toEqual({
      kind: "preempt",
      hostId: "h2",
      evict: ["b1"],
      reason:
        "VM big needs 8 vcpus, 8192 MiB memory, 1 GiB disk; no host of 2 fits: 2 short of vcpus (needs 8; largest free is 0 on h1); VM big (priority 100) fits on h2 after evicting b1 (priority 40)",
    });
  });

  it("among equal counts prefers the lowest total priority, then host id", () => {
    const vms = [placed("a", "h1", 8, 8192, { priority: 30 }), placed("b", "h2", 8, 8192, { priority: 20 })];
    const d = placeVm(view(hosts, vms), request("big", 4, 4096, { priority: 100 }), spread);
    expect(d.kind === "preempt" && [d.hostId, d.evict]).toEqual(["h2", ["b"]]);
    const same = [placed("a", "h1", 8, 8192, { priority: 20 }), placed("b", "h2", 8, 8192, { priority: 20 })];
    const tie = placeVm(view(hosts, same), request("big", 4, 4096, { priority: 100 }), spread);
    expect(tie.kind === "preempt" && [tie.hostId, tie.evict]).toEqual(["h1", ["a"]]);
  });

  it("never evicts equal or higher priority VMs", () => {
    const vms = [placed("a", "h1", 8, 8192, { priority: 100 }), placed("b", "h2", 8, 8192, { priority: 200 })];
    const d = placeVm(view(hosts, vms), request("big", 4, 4096, { priority: 100 }), spread);
    expect(d.kind).toBe("unplaceable");
  });

  it("evicts only what is needed, not every lower-priority VM", () => {
    const vms = [placed("small", "h1", 1, 1024, { priority: 1 }), placed("large", "h1", 6, 6144, { priority: 5 })];
    const d = placeVm(view([host("h1", 8, 8192)], vms), request("x", 6, 6144, { priority: 50 }), spread);
    expect(d.kind === "preempt" && d.evict).toEqual(["large"]);
  });

  it("a same-group VM of lower priority is evicted to satisfy anti-affinity", () => {
    const vms = [placed("w1", "h1", 1, 512, { priority: 5, antiAffinityGroup: "web" })];
    const d = placeVm(view([host("h1", 8, 8192)], vms), request("w2", 1, 512, { priority: 50, antiAffinityGroup: "web" }), spread);
    expect(d.kind === "preempt" && [d.hostId, d.evict]).toEqual(["h1", ["w1"]]);
  });

  it("manual preemption stays on the pinned host", () => {
    const vms = [placed("a", "h1", 8, 8192, { priority: 1 }), placed("b", "h2", 8, 8192, { priority: 30 })];
    const d = placeVm(view(hosts, vms), request("big", 4, 4096, { priority: 100 }), { kind: "manual", hostId: "h2" });
    expect(d.kind === "preempt" && [d.hostId, d.evict]).toEqual(["h2", ["b"]]);
  });

  it("the index falls back to the same preemption decision", () => {
    const vms = [placed("a", "h1", 8, 8192, { priority: 30 }), placed("b", "h2", 8, 8192, { priority: 20 })];
    const vm = request("big", 4, 4096, { priority: 100 });
    expect(new PlacementIndex(view(hosts, vms)).place(vm, spread)).toEqual(placeVm(view(hosts, vms), vm, spread));
  });
});
