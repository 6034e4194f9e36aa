import { describe, expect, it } from "vitest";
import { placeVm } from "../../src/scheduler/place";
import { host, placed, request, view } from "./fixtures";

const spread = { kind: "most-available" } as const;

describe("hard constraints", () => {
  it("only healthy, uncordoned, undrained hosts are eligible", () => {
    const hosts = [
      host("h1", 64, 65536, { status: "down" }),
      host("h2", 64, 65536, { status: "suspect" }),
      host("h3", 64, 65536, { cordoned: true }),
      host("h4", 64, 65536, { draining: true }),
      host("h5", 2, 2048),
    ];
    expect(placeVm(view(hosts), request("x", 1, 512), spread)).toEqual({ kind: "placed", hostId: "h5" });
    expect(placeVm(view(hosts), request("x", 4, 512), spread)).toEqual({
      kind: "unplaceable",
      reason:
        "VM x needs 4 vcpus, 512 MiB memory, 1 GiB disk; no host of 5 fits: 1 down, 1 suspect, 1 cordoned, 1 draining, 1 short of vcpus (needs 4; largest free is 2 on h5)",
    });
  });

  it("required features exclude hosts without them", () => {
    const hosts = [host("h1", 8, 8192), host("h2", 8, 8192), host("h3", 8, 8192, { features: ["gpu", "kvm"] })];
    expect(placeVm(view(hosts), request("x", 1, 512, { requiredFeatures: ["gpu"] }), spread)).toEqual({ kind: "placed", hostId: "h3" });
    const d = placeVm(view(hosts), request("x", 1, 512, { requiredFeatures: ["gpu", "nix"] }), spread);
    expect(d).toEqual({
      kind: "unplaceable",
      reason: "VM x needs 1 vcpus, 512 MiB memory, 1 GiB disk; no host of 3 fits: 2 excluded by feature gpu, 1 excluded by feature nix",
    });
  });

  it("anti-affinity keeps two VMs of one group off the same host", () => {
    const hosts = [host("h1", 8, 8192), host("h2", 8, 8192), host("h3", 8, 8192)];
    const vms = [placed("w1", "h1", 1, 512, { antiAffinityGroup: "web" }), placed("w2", "h2", 1, 512, { antiAffinityGroup: "web" })];
    const d = placeVm(view(hosts, vms), request("w3", 1, 512, { antiAffinityGroup: "web" }), { kind: "least-available" });
    expect(d).toEqual({ kind: "placed", hostId: "h3" });
    const full = placeVm(view(hosts.slice(0, 2), vms), request("w3", 1, 512, { antiAffinityGroup: "web" }), spread);
    expect(full).toEqual({
      kind: "unplaceable",
      reason: "VM w3 needs 1 vcpus, 512 MiB memory, 1 GiB disk; no host of 2 fits: 2 excluded by anti-affinity group web",
    });
  });

  it("each resource is a hard limit, and the reason names the best on offer", () => {
    const hosts = [host("h1", 4, 65536), host("h2", 2, 65536), host("h3", 64, 1024)];
    expect(placeVm(view(hosts), request("x", 8, 2048), spread)).toEqual({
      kind: "unplaceable",
      reason:
        "VM x needs 8 vcpus, 2048 MiB memory, 1 GiB disk; no host of 3 fits: 2 short of vcpus (needs 8; largest free is 4 on h1), 1 short of MiB memory (needs 2048; largest free is 1024 on h3)",
    });
    const disk = placeVm(view([host("h1", 4, 4096)]), { ...request("x", 1, 512), resources: { vcpus: 1, memoryMib: 512, diskGib: 101 } }, spread);
    expect(disk.kind === "unplaceable" && disk.reason).toBe(
      "VM x needs 1 vcpus, 512 MiB memory, 101 GiB disk; no host of 1 fits: 1 short of GiB disk (needs 101; largest free is 100 on h1)",
    );
  });

  it("an empty cluster says so", () => {
    expect(placeVm(view([]), request("x", 1, 512), spread)).toEqual({
      kind: "unplaceable",
      reason: "VM x needs 1 vcpus, 512 MiB memory, 1 GiB disk; the cluster has no hosts",
    });
  });
});
