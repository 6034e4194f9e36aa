import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateVmSpec } from "../../src/vm/validate-spec";
import { vmSpecWarnings } from "../../src/vm/hypervisor-support";

const minimal = { name: "web-1", vcpus: 2, memoryMib: 1024 };

function issuesOf(input: unknown): Array<[string, string]> {
  const r = validateVmSpec(input);
  if (r.ok) return [];
  return r.error.issues.map((i) => [i.path, i.message]);
}

describe("validateVmSpec", () => {
  it("fills defaults into a canonical spec", () => {
    const r = validateVmSpec(minimal);
    expect(r).toEqual({
      ok: true,
      value: {
        name: "web-1",
        vcpus: 2,
        memoryMib: 1024,
        diskGib: 0,
        hypervisor: "qemu",
        interfaces: [],
        volumes: [],
        shares: [],
        nixos: null,
        kernel: { kernelPath: null, initrdPath: null, kernelParams: [] },
        requiredFeatures: [],
        antiAffinityGroup: null,
        priority: 50,
        restartPolicy: { kind: "on-failure", maxRetries: 3, backoffMsInitial: 1000, backoffMsMax: 60000 },
        placement: { strategy: null, hostId: null },
      },
    });
  });

  it("is idempotent: a validated spec validates to itself", () => {
    const full = {
      ...minimal,
      hypervisor: "cloud-hypervisor",
      interfaces: [{ type: "tap", id: "vm-web1", mac: "02:AB:00:00:00:01" }],
      volumes: [{ image: "var.img", mountPoint: "/var", sizeMib: 512 }],
      shares: [{ tag: "ro-store", source: "/nix/store", mountPoint: "/nix/.ro-store", proto: "virtiofs" }],
      nixos: { flake: "github:me/infra#nixosConfigurations.web" },
      requiredFeatures: ["nix", "kvm"],
      antiAffinityGroup: "web",
      restartPolicy: { kind: "always" },
    };
    const once = validateVmSpec(full);
    expect(once.ok).toBe(true);
    if (!once.ok) return;
    expect(once.value.interfaces[0]?.mac).toBe("02:ab:00:00:00:01");
    expect(once.value.requiredFeatures).toEqual(["kvm", "nix"]);
    expect(validateVmSpec(once.value)).toEqual(once);
  });

  it("reports every bad field with its path and the rule", () => {
    expect(issuesOf({ name: "-web", vcpus: 0, memoryMib: 0, diskGib: -1, hypervisor: "vmware", priority: 1001 })).toEqual([
      ["name", `name must be a DNS label: lower-case letters, digits and '-', not starting or ending with '-', got "-web"`],
      ["vcpus", "vcpus must be an integer between 1 and 64, got 0"],
      ["memoryMib", "memoryMib must be an integer between 64 and 262144, got 0"],
      ["diskGib", "diskGib must be an integer between 0 and 65536, got -1"],
      ["hypervisor", "hypervisor must be one of alioth, cloud-hypervisor, crosvm, firecracker, kvmtool, qemu, stratovirt, got \"vmware\""],
      ["priority", "priority must be an integer between 0 and 1000, got 1001"],
    ]);
  });

  it("names missing required fields and unknown ones", () => {
    expect(issuesOf({ memoryMib: 128, vcpu: 2 })).toEqual([
      ["name", "name must be a non-empty string of at most 63 characters, got nothing"],
      ["vcpus", "vcpus must be an integer between 1 and 64, got nothing"],
      ["vcpu", "vcpu is not a known field"],
    ]);
    expect(issuesOf("web")).toEqual([["", `spec must be an object, got "web"`]]);
    expect(issuesOf({ ...minimal, name: "a".repeat(64) })[0]?.[0]).toBe("name");
  });

  it("checks interfaces: MAC shape, unicast, unique ids and MACs", () => {
    expect(
      issuesOf({
        ...minimal,
        interfaces: [
          { type: "tap", id: "t0", mac: "02:00:00:00:00:01" },
          { type: "tap", id: "t1", mac: "02-00-00-00-00-02" },
          { type: "tap", id: "t2", mac: "03:00:00:00:00:03" },
          { type: "bridge", id: "t0", mac: "02:00:00:00:00:01" },
        ],
      }),
    ).toEqual([
      ["interfaces[1].mac", `interfaces[1].mac must be six hex octets separated by ':' (e.g. 02:00:00:00:00:01), got "02-00-00-00-00-02"`],
      ["interfaces[2].mac", `interfaces[2].mac must be a unicast address (lowest bit of the first octet clear), got "03:00:00:00:00:03"`],
      ["interfaces[3].type", `interfaces[3].type must be one of tap, user, got "bridge"`],
    ]);
    expect(
      issuesOf({ ...minimal, interfaces: [{ type: "tap", id: "t0", mac: "02:00:00:00:00:01" }, { type: "tap", id: "t0", mac: "02:00:00:00:00:01" }] }),
    ).toEqual([
      ["interfaces[1].id", `interfaces[1].id repeats an interface id used earlier, got "t0"`],
      ["interfaces[1].mac", `interfaces[1].mac repeats a MAC used by an earlier interface, got "02:00:00:00:00:01"`],
    ]);
  });

  it("warns about globally administered MACs without rejecting them", () => {
    const r = validateVmSpec({ ...minimal, interfaces: [{ type: "tap", id: "t0", mac: "00:16:3e:12:34:56" }] });
    expect(r.ok).toBe(true);
    if (r.ok) expect(vmSpecWarnings(r.value)).toEqual([
      "interfaces[0].mac 00:16:3e:12:34:56 is not locally administered; prefer a 02:xx:... address to avoid clashing with real hardware",
    ]);
  });

  it("checks volumes and shares: paths, sizes, duplicate mount points and tags", () => {
    expect(
      issuesOf({
        ...minimal,
        volumes: [{ image: "a.img", mountPoint: "var", sizeMib: 0 }, { image: "b.img", mountPoint: "/data", sizeMib: 10, readOnly: "yes" }],
        shares: [{ tag: "s", source: "/srv/../etc", mountPoint: "/data", proto: "9p" }, { tag: "s", source: "/srv", mountPoint: "/srv", proto: "nfs" }],
      }),
    ).toEqual([
      ["volumes[0].mountPoint", `volumes[0].mountPoint must be an absolute path, got "var"`],
      ["volumes[0].sizeMib", "volumes[0].sizeMib must be an integer between 1 and 16777216, got 0"],
      ["volumes[1].readOnly", `volumes[1].readOnly must be true or false, got "yes"`],
      ["shares[0].source", `shares[0].source must not contain '..', got "/srv/../etc"`],
      ["shares[1].proto", `shares[1].proto must be one of 9p, virtiofs, got "nfs"`],
    ]);
    expect(
      issuesOf({
        ...minimal,
        volumes: [{ image: "a.img", mountPoint: "/data", sizeMib: 1 }],
        shares: [{ tag: "s", source: "/srv", mountPoint: "/data" }, { tag: "s", source: "/srv", mountPoint: "/x" }],
      }),
    ).toEqual([
      ["shares[1].tag", `shares[1].tag repeats a tag used by an earlier share, got "s"`],
      ["shares[0].mountPoint", `shares[0].mountPoint repeats a mount point used by an earlier volume or share, got "/data"`],
    ]);
  });

  it("checks the nixos source, kernel overrides, features, group and restart policy", () => {
    expect(
      issuesOf({
        ...minimal,
        nixos: { flake: "github:me/infra#web" },
        kernel: { initrdPath: "/boot/initrd", kernelParams: ["quiet", "a b"] },
        requiredFeatures: ["kvm", "GPU", "kvm"],
        antiAffinityGroup: "Web",
        restartPolicy: { kind: "on-failure", maxRetries: 101, backoffMsInitial: 5000, backoffMsMax: 1000 },
      }),
    ).toEqual([
      ["antiAffinityGroup", `antiAffinityGroup must be null or a DNS label of at most 63 characters, got "Web"`],
      ["nixos.flake", `nixos.flake must look like <flake-ref>#nixosConfigurations.<name>, got "github:me/infra#web"`],
      ["kernel.kernelParams[1]", `kernel.kernelParams[1] must be one kernel parameter without whitespace or control characters, at most 256 characters, got "a b"`],
      ["kernel.initrdPath", "kernel.initrdPath needs kernel.kernelPath to be set too"],
      ["requiredFeatures[1]", `requiredFeatures[1] must be a feature name ([a-z0-9-], at most 32 characters), got "GPU"`],
      ["requiredFeatures[2]", `requiredFeatures[2] repeats a feature already listed, got "kvm"`],
      ["restartPolicy.maxRetries", "restartPolicy.maxRetries must be an integer between 0 and 100, got 101"],
      ["restartPolicy.backoffMsMax", "restartPolicy.backoffMsMax must be at least backoffMsInitial (5000), got 1000"],
    ]);
    expect(issuesOf({ ...minimal, nixos: { modules: [], flake: "x#nixosConfigurations.y" } })).toEqual([["nixos", "nixos must set exactly one of modules, flake or runner, got modules and flake"]]);
    expect(issuesOf({ ...minimal, nixos: {} })).toEqual([["nixos", "nixos must set exactly one of modules, flake or runner"]]);
    expect(issuesOf({ ...minimal, nixos: { modules: [] } })).toEqual([["nixos.modules", "nixos.modules must list at least one module"]]);
    expect(issuesOf({ ...minimal, nixos: { flake: "x\u0007#nixosConfigurations.y" } })[0]?.[0]).toBe("nixos.flake");
    expect(issuesOf({ ...minimal, kernel: { kernelParams: ["a\u0000b"] } })[0]?.[0]).toBe("kernel.kernelParams[0]");
  });

  it("nixos.modules are Nix source texts, bounded each and together", () => {
    const big = `{ ... }: { /* ${"x".repeat(60_000)} */ }`;
    expect(validateVmSpec({ ...minimal, nixos: { modules: [big] } }).ok).toBe(true);
    expect(issuesOf({ ...minimal, nixos: { modules: [" ", big + "x".repeat(10_000)] } }).map(([path]) => path)).toEqual(["nixos.modules[0]", "nixos.modules[1]"]);
    expect(issuesOf({ ...minimal, nixos: { modules: [big, big, big, big, big] } })).toEqual([
      ["nixos.modules", `nixos.modules hold ${5 * big.length} characters together; at most 262144 (keep large configurations in a flake: nixos.flake)`],
    ]);
  });

  it("nixos.runner is an absolute store path; a prebuilt runner keeps its own devices and kernel line", () => {
    const runner = { runner: "/nix/store/abc-microvm-qemu-web" };
    expect(validateVmSpec({ ...minimal, nixos: runner })).toMatchObject({ ok: true, value: { nixos: { kind: "runner", runner: runner.runner } } });
    expect(issuesOf({ ...minimal, nixos: { runner: "result/bin" } })).toEqual([["nixos.runner", `nixos.runner must be an absolute path, got "result/bin"`]]);
    expect(
      issuesOf({
        ...minimal,
        nixos: runner,
        interfaces: [{ type: "tap", id: "t0", mac: "02:00:00:00:00:01" }],
        volumes: [{ image: "v.img", mountPoint: "/v", sizeMib: 8 }],
        kernel: { kernelParams: ["quiet"] },
      }).map(([path]) => path),
    ).toEqual(["interfaces", "volumes", "kernel.kernelParams"]);
  });

  it("two volumes may not share an image (microvm.nix asserts it)", () => {
    const volume = { image: "data.img", mountPoint: "/a", sizeMib: 8 };
    expect(issuesOf({ ...minimal, volumes: [volume, { ...volume, mountPoint: "/b" }] })).toEqual([
      ["volumes[1].image", `volumes[1].image repeats an image used by an earlier volume, got "data.img"`],
    ]);
  });

  it("rejects features a hypervisor does not have (per microvm.nix runners)", () => {
    const share = { tag: "s", source: "/srv", mountPoint: "/srv" };
    expect(issuesOf({ ...minimal, hypervisor: "firecracker", shares: [share], interfaces: [{ type: "user", id: "u0", mac: "02:00:00:00:00:01" }] })).toEqual([
      ["shares[0]", "shares[0] cannot be used: firecracker does not support shares (microvm.nix implements neither 9p nor virtiofs for it; use a volume instead)"],
      ["interfaces[0].type", `interfaces[0].type must be tap on firecracker, got "user"`],
    ]);
    expect(issuesOf({ ...minimal, hypervisor: "cloud-hypervisor", shares: [{ ...share, proto: "9p" }] })).toEqual([
      ["shares[0].proto", `shares[0].proto must be virtiofs on cloud-hypervisor, got "9p"`],
    ]);
    expect(issuesOf({ ...minimal, hypervisor: "kvmtool", shares: [{ ...share, proto: "virtiofs" }] })).toEqual([
      ["shares[0].proto", `shares[0].proto must be 9p on kvmtool, got "virtiofs"`],
    ]);
    expect(issuesOf({ ...minimal, hypervisor: "qemu", shares: [{ ...share, proto: "virtiofs" }] })).toEqual([]);
    expect(issuesOf({ ...minimal, hypervisor: "alioth", shares: [{ ...share, proto: "9p" }], interfaces: [{ type: "user", id: "u0", mac: "02:00:00:00:00:01" }] })).toEqual([
      ["shares[0].proto", `shares[0].proto must be virtiofs on alioth, got "9p"`],
      ["interfaces[0].type", `interfaces[0].type must be tap on alioth, got "user"`],
    ]);
    expect(issuesOf({ ...minimal, hypervisor: "firecracker", vcpus: 33 })).toEqual([["vcpus", "vcpus must be at most 32 on firecracker, got 33"]]);
    expect(issuesOf({ ...minimal, hypervisor: "stratovirt", shares: [{ ...share, proto: "9p" }] })[0]?.[1]).toBe(`shares[0].proto must be virtiofs on stratovirt, got "9p"`);
    expect(issuesOf({ ...minimal, hypervisor: "crosvm", interfaces: [{ type: "user", id: "u0", mac: "02:00:00:00:00:01" }] })[0]?.[1]).toBe(`interfaces[0].type must be tap on crosvm, got "user"`);
  });

  it("warns about what microvm.nix builds but will not run well", () => {
    const spec = (input: Record<string, unknown>) => {
      const r = validateVmSpec({ ...minimal, ...input });
      if (!r.ok) throw new Error(r.error.message);
      return vmSpecWarnings(r.value);
    };
    expect(spec({ memoryMib: 2048 })).toEqual([expect.stringContaining("QEMU is known to hang with exactly 2 GiB")]);
    expect(spec({ hypervisor: "kvmtool", volumes: [{ image: "v.img", mountPoint: "/v", sizeMib: 8 }] })).toEqual([
      expect.stringContaining("does not pass the volume image path"),
      "kvmtool has no graceful shutdown in microvm.nix: stopping this VM sends SIGTERM, then SIGKILL",
    ]);
    expect(spec({})).toEqual([]);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = validateVmSpec(input);
        if (!r.ok) expect(r.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("name", "vcpus", "memoryMib", "interfaces", "volumes", "shares", "nixos", "kernel", "restartPolicy"), fc.anything()), (input) => {
        validateVmSpec(input);
      }),
      { numRuns: 300 },
    );
  });
});
