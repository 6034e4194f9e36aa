import { describe, expect, it } from "vitest";
import { placeVm } from "../../src/scheduler/place";
import { PlacementIndex } from "../../src/scheduler/placement-index";
import { host, placed, request, view } from "./fixtures";

// h1 is emptiest, h3 fullest; h2 in between.
const hosts = [host("h1", 16, 16384), host("h2", 16, 16384), host("h3", 16, 16384)];
const vms = [placed("a", "h2", 4, 4096), placed("b", "h3", 8, 8192)];

describe("strategies", () => {
  it("most-available picks the host with the most free resources", () => {
    expect(placeVm(view(hosts, vms), request("x", 2, 1024), { kind: "most-available" })).toEqual({ kind: "placed", hostId: "h1" });
  });

  it("least-available picks the fullest host that still fits", () => {
    expect(placeVm(view(hosts, vms), request("x", 2, 1024), { kind: "least-available" })).toEqual({ kind: "placed", hostId: "h3" });
  });

  it("least-available skips a fuller host the VM does not fit on", () => {
    expect(placeVm(view(hosts, vms), request("x", 10, 1024), { kind: "least-available" })).toEqual({ kind: "placed", hostId: "h2" });
  });

  it("ties break by host id, whatever the input order", () => {
    const shuffled = [host("h9", 8, 8192), host("h10", 8, 8192), host("h2", 8, 8192)];
    for (const kind of ["most-available", "least-available"] as const) {
      expect(placeVm(view(shuffled), request("x", 1, 512), { kind })).toEqual({ kind: "placed", hostId: "h10" });
    }
  });

  it("round-robin takes the next host after the cursor in id order, wrapping", () => {
    expect(placeVm(view(hosts, [], "h1"), request("x", 1, 512), { kind: "round-robin" })).toEqual({ kind: "placed", hostId: "h2" });
    expect(placeVm(view(hosts, [], "h3"), request("x", 1, 512), { kind: "round-robin" })).toEqual({ kind: "placed", hostId: "h1" });
    expect(placeVm(view(hosts, [], null), request("x", 1, 512), { kind: "round-robin" })).toEqual({ kind: "placed", hostId: "h1" });
  });

  it("round-robin skips an infeasible next host", () => {
    const cordoned = [host("h1", 16, 16384), host("h2", 16, 16384, { cordoned: true }), host("h3", 16, 16384)];
    expect(placeVm(view(cordoned, [], "h1"), request("x", 1, 512), { kind: "round-robin" })).toEqual({ kind: "placed", hostId: "h3" });
  });

  it("round-robin through the index advances its own cursor", () => {
    const index = new PlacementIndex(view(hosts));
    const got = ["a", "b", "c", "d"].map((n) => index.place(request(n, 1, 512), { kind: "round-robin" }));
    expect(got.map((d) => (d.kind === "placed" ? d.hostId : d.kind))).toEqual(["h1", "h2", "h3", "h1"]);
  });

  it("manual pins to the named host", () => {
    expect(placeVm(view(hosts, vms), request("x", 2, 1024), { kind: "manual", hostId: "h3" })).toEqual({ kind: "placed", hostId: "h3" });
  });

  it("manual names the reason when the pinned host cannot take the VM", () => {
    const d = placeVm(view(hosts, vms), request("x", 9, 1024), { kind: "manual", hostId: "h3" });
    expect(d).toEqual({ kind: "unplaceable", reason: "VM x is pinned to host h3: VM x needs 9 vcpus; host h3 has 8 free" });
    const missing = placeVm(view(hosts), request("x", 1, 512), { kind: "manual", hostId: "h7" });
    expect(missing).toEqual({ kind: "unplaceable", reason: "VM x is pinned to host h7, which is not registered" });
  });

  it("a VM already placed is not placed twice", () => {
    expect(placeVm(view(hosts, vms), request("a", 1, 512), { kind: "most-available" })).toEqual({
      kind: "unplaceable",
      reason: "VM a is already placed on host h2",
    });
  });
});
