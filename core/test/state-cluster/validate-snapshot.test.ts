import { describe, expect, it } from "vitest";
import { ClusterModule } from "../../src/state/cluster/module";
import { Harness } from "./harness";

describe("cluster command validation", () => {
  const m = new ClusterModule();
  const message = (c: unknown): string | null => {
    const r = m.validate(c);
    return r.ok ? null : r.error.message;
  };

  it("names the bad field and the rule", () => {
    expect(message({ type: "boot-vm" })).toBe(
      `cluster command rejected: command.type must be one of register-host, host-heartbeat, set-host-status, cordon, uncordon, drain, set-peer-address, create-vm, update-vm, set-desired, place-vm, set-pending-reason, evict-vm, unplace-vm, migrate-vm, report-vm-status, got "boot-vm"`,
    );
    expect(message({ type: "register-host", hostId: "H_1", address: "", capacity: { vcpus: 0, memoryMib: 1024 }, features: ["kvm", "kvm"] })).toBe(
      "cluster command rejected: command.hostId must be a DNS label (lower-case letters, digits, inner '-'), got \"H_1\"; " +
        "command.address must be a non-empty string of at most 256 characters, got \"\"; " +
        "command.capacity.vcpus must be an integer between 1 and 4096, got 0; " +
        "command.capacity.diskGib must be an integer between 0 and 1073741824, got nothing; " +
        "command.features[1] must be a unique feature name ([a-z0-9-], at most 32 characters), got \"kvm\"",
    );
    expect(message({ type: "report-vm-status", hostId: "h1", vmName: "a", generation: 0, observed: "exploded", exitCode: 1.5 })).toBe(
      "cluster command rejected: command.exitCode must be null or an integer between -255 and 255, got 1.5; " +
        "command.generation must be an integer between 1 and 9007199254740991, got 0; " +
        `command.observed must be one of pending, scheduled, starting, running, stopping, stopped, failed, got "exploded"`,
    );
    expect(message({ type: "cordon", hostId: "h1", force: true })).toBe("cluster command rejected: command.force is not a known field");
    expect(message(null)).toBe("cluster command rejected: command must be an object, got null");
  });

  it("reports VM spec problems under spec.<path>", () => {
    const r = m.validate({ type: "create-vm", spec: { name: "a", vcpus: 2, memoryMib: 0 } });
    expect(r.ok ? null : r.error.message).toBe("cluster command rejected: spec.memoryMib must be an integer between 64 and 262144, got 0");
  });
});

function populated(): Harness {
  const h = new Harness();
  h.host("h2", 16, 16384, ["kvm", "nix"]);
  h.host("h1");
  h.vm("zeta", 1, 512, { antiAffinityGroup: "db" });
  h.vm("alpha", 2, 1024, { antiAffinityGroup: "web", priority: 900 });
  h.vm("idle");
  h.place("zeta", "h2");
  h.place("alpha", "h1");
  h.report("alpha", "running");
  h.must({ type: "migrate-vm", vmName: "zeta", targetHostId: "h1" });
  return h;
}

describe("cluster snapshot and restore", () => {
  it("round-trips to identical state and an identical next snapshot", () => {
    const h = populated();
    const image = JSON.parse(JSON.stringify(h.module.snapshot()));
    const restored = new ClusterModule();
    restored.restore(image);
    expect(restored.snapshot()).toEqual(h.module.snapshot());
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(h.module.snapshot()));
    expect(restored.allocationOf("h1")).toEqual(h.module.allocationOf("h1"));
    expect(restored.schedulerView()).toEqual(h.module.schedulerView());
    expect(restored.pendingVms()).toEqual(h.module.pendingVms());
  });

  it("lists records in sorted order whatever the insertion order", () => {
    const image = populated().module.snapshot();
    expect(image.hosts.map((x) => x.id)).toEqual(["h1", "h2"]);
    expect(image.vms.map((x) => x.spec.name)).toEqual(["alpha", "idle", "zeta"]);
  });

  it("a replica that restored and one that replayed apply the next command identically", () => {
    const a = populated();
    const b = new Harness();
    b.module.restore(JSON.parse(JSON.stringify(a.module.snapshot())));
    b.index = a.index;
    for (const h of [a, b]) {
      h.report("zeta", "stopped");
      h.place("idle", "h2");
    }
    expect(b.module.snapshot()).toEqual(a.module.snapshot());
  });

  it("refuses an image that overcommits a host, keeping the old state", () => {
    const h = populated();
    const image = JSON.parse(JSON.stringify(h.module.snapshot()));
    image.hosts[0].capacity.vcpus = 1;
    const target = populated().module;
    const before = target.snapshot();
    expect(() => target.restore(image)).toThrow(/host h1 is overcommitted: 2 vcpus allocated of 1/);
    expect(target.snapshot()).toEqual(before);
    expect(() => target.restore({ version: 99 })).toThrow(/expected an image of version 1/);
  });
});
