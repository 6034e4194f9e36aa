import { describe, expect, it } from "vitest";
import { strategyFor } from "../../src/controller/leader-supervisor";
import { validateVmSpec } from "../../src/vm/validate-spec";
import type { VmRecord } from "../../src/state/cluster/types";

const base = { name: "web-1", vcpus: 1, memoryMib: 256 };

describe("VM placement preference", () => {
  it("defaults to the cluster's strategy", () => {
    const spec = validateVmSpec(base);
    expect(spec.ok && spec.value.placement).toEqual({ strategy: null, hostId: null });
  });

  it("pins to a host with manual, and a pinned VM is placed with the manual strategy", () => {
    const spec = validateVmSpec({ ...base, placement: { strategy: "manual", hostId: "n2" } });
    if (!spec.ok) throw new Error(spec.error.message);
    const vm = { spec: spec.value } as VmRecord;
    expect(strategyFor(vm, { kind: "most-available" })).toEqual({ kind: "manual", hostId: "n2" });
  });

  it("overrides the cluster default per VM", () => {
    const spec = validateVmSpec({ ...base, placement: { strategy: "least-available" } });
    if (!spec.ok) throw new Error(spec.error.message);
    expect(strategyFor({ spec: spec.value } as VmRecord, { kind: "most-available" })).toEqual({ kind: "least-available" });
  });

  it("refuses a manual strategy without a host, a host without manual, and unknown strategies, naming the field", () => {
    const noHost = validateVmSpec({ ...base, placement: { strategy: "manual" } });
    expect(!noHost.ok && noHost.error.issues.map((i) => i.path)).toContain("placement.hostId");
    const hostOnly = validateVmSpec({ ...base, placement: { strategy: "round-robin", hostId: "n1" } });
    expect(!hostOnly.ok && hostOnly.error.message).toContain("placement.hostId is only allowed with placement.strategy manual");
    const unknown = validateVmSpec({ ...base, placement: { strategy: "random" } });
    expect(!unknown.ok && unknown.error.issues.map((i) => i.path)).toContain("placement.strategy");
  });
});
