import { describe, expect, it } from "vitest";
import { launchSpecFor } from "../../src/vm/launch-spec";
import { validateVmSpec } from "../../src/vm/validate-spec";
import type { VmSpec } from "../../src/vm/spec";
import { hostStatusFromSilence, validateHeartbeatThresholds } from "../../src/vm/host";

function spec(input: Record<string, unknown>): VmSpec {
  const r = validateVmSpec({ name: "web-1", vcpus: 2, memoryMib: 512, ...input });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("launchSpecFor", () => {
  it("microvm-nix builds the flake's declared runner and runs its microvm-run in the VM's state directory", () => {
    const r = launchSpecFor(spec({ nixos: { flake: "/srv/infra#nixosConfigurations.web" } }), "microvm-nix");
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ backend: "microvm-nix", argv: ["current/bin/microvm-run"], vcpus: 2, memoryMib: 512, env: { BLIXARD_VM_NAME: "web-1" } });
    const runner = r.value.microvm?.runner;
    expect(runner?.kind === "build" && { attribute: runner.attribute, files: runner.files.map((f) => f.path), nix: runner.nixCommand, timeout: runner.buildTimeoutMs }).toEqual({
      attribute: "nixosConfigurations.web-1.config.microvm.declaredRunner",
      files: ["flake.nix", "blixard.nix"],
      nix: "nix",
      timeout: 30 * 60_000,
    });
  });

  it("microvm-nix builds spec modules with the host's nixpkgs, microvm.nix and system", () => {
    const options = { microvmNix: { nixpkgsFlake: "github:NixOS/nixpkgs/abc", microvmFlake: "github:astro/microvm.nix/def", system: "aarch64-linux", nixCommand: "/run/current-system/sw/bin/nix", buildTimeoutMs: 60_000 } };
    const r = launchSpecFor(spec({ nixos: { modules: ["{ ... }: { }"] } }), "microvm-nix", options);
    if (!r.ok) throw new Error(r.error.message);
    const runner = r.value.microvm?.runner;
    if (runner?.kind !== "build") throw new Error("expected a build");
    expect(runner.files.map((f) => f.path)).toEqual(["flake.nix", "blixard.nix", "modules/0.nix"]);
    expect(runner.files[0]?.text).toContain('url = "github:NixOS/nixpkgs/abc";');
    expect(runner.files[0]?.text).toContain('system = "aarch64-linux";');
    expect([runner.nixCommand, runner.buildTimeoutMs]).toEqual(["/run/current-system/sw/bin/nix", 60_000]);
  });

  it("microvm-nix with a prebuilt runner links it as the runner; taps with a bridge are listed for the host", () => {
    const r = launchSpecFor(spec({ nixos: { runner: "/nix/store/abc-microvm-qemu-web" } }), "microvm-nix", {}, {
      interfaces: [{ type: "tap", id: "vm-web", mac: "02:00:00:00:00:01", ipv4: null, bridge: "br0" }],
      dnsIpv4: [],
    });
    expect(r.ok && r.value.microvm).toEqual({ name: "web-1", runner: { kind: "prebuilt", path: "/nix/store/abc-microvm-qemu-web" }, tapBridges: [{ tapId: "vm-web", bridge: "br0" }] });
  });

  it("microvm-nix refuses a spec without a nixos source, with a kernel path, or a relative flake, each saying why", () => {
    const problem = (input: Record<string, unknown>) => {
      const r = launchSpecFor(spec(input), "microvm-nix");
      return r.ok ? null : [r.error.code, r.error.message];
    };
    expect(problem({})).toEqual(["launch-unsupported", "cannot launch VM web-1 on backend microvm-nix: the spec has no nixos configuration"]);
    expect(problem({ nixos: { modules: ["{ }"] }, kernel: { kernelPath: "/boot/vmlinuz" } })?.[1]).toContain("microvm.nix boots the guest configuration's own kernel");
    expect(problem({ nixos: { flake: "./vms#nixosConfigurations.web" } })?.[1]).toContain('nixos.flake "./vms" is a relative path');
    expect(problem({ nixos: { flake: "path:../vms#nixosConfigurations.web" } })?.[1]).toContain("is a relative path");
  });

  it("qemu-direct builds a microvm machine argv from kernel, memory, disks, nics and 9p shares", () => {
    const s = spec({
      kernel: { kernelPath: "/boot/vmlinux", initrdPath: "/boot/initrd", kernelParams: ["quiet"] },
      requiredFeatures: ["kvm"],
      volumes: [{ image: "/var/lib/vm,1.img", mountPoint: "/var", sizeMib: 64, readOnly: true }],
      interfaces: [{ type: "tap", id: "vm-web1", mac: "02:00:00:00:00:01" }],
      shares: [{ tag: "store", source: "/nix/store", mountPoint: "/nix/.ro-store", proto: "9p" }],
    });
    const r = launchSpecFor(s, "qemu-direct");
    expect(r.ok && r.value.argv).toEqual([
      "qemu-system-x86_64",
      "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on",
      "-accel", "kvm",
      "-cpu", "max",
      "-m", "512M",
      "-smp", "2",
      "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
      "-serial", "stdio",
      "-kernel", "/boot/vmlinux",
      "-initrd", "/boot/initrd",
      "-append", "console=ttyS0 reboot=t panic=-1 quiet",
      "-drive", "id=vd0,format=raw,if=none,file=/var/lib/vm,,1.img,readonly=on",
      "-device", "virtio-blk-device,drive=vd0",
      "-netdev", "tap,id=vm-web1,ifname=vm-web1,script=no,downscript=no",
      "-device", "virtio-net-device,netdev=vm-web1,mac=02:00:00:00:00:01",
      "-fsdev", "local,id=fs0,path=/nix/store,security_model=none",
      "-device", "virtio-9p-device,fsdev=fs0,mount_tag=store",
    ]);
  });

  it("qemu-direct refuses what it cannot run, saying why", () => {
    const noKernel = launchSpecFor(spec({}), "qemu-direct");
    expect(noKernel.ok ? null : noKernel.error.message).toBe("cannot launch VM web-1 on backend qemu-direct: kernel.kernelPath is not set");
    const fc = launchSpecFor(spec({ hypervisor: "firecracker", kernel: { kernelPath: "/k" } }), "qemu-direct");
    expect(fc.ok ? null : fc.error.message).toBe("cannot launch VM web-1 on backend qemu-direct: it runs QEMU but the spec asks for firecracker");
    const vfs = launchSpecFor(spec({ kernel: { kernelPath: "/k" }, shares: [{ tag: "t", source: "/s", mountPoint: "/s", proto: "virtiofs" }] }), "qemu-direct");
    expect(vfs.ok ? null : vfs.error.message).toBe("cannot launch VM web-1 on backend qemu-direct: share t uses virtiofs, which needs a virtiofsd daemon");
  });

  it("process and sim backends need nothing more than the spec", () => {
    const p = launchSpecFor(spec({}), "process");
    expect(p.ok && p.value.argv).toEqual(["sh", "-c", "echo 'blixard-vm booted web-1'; exec sleep infinity"]);
    expect(launchSpecFor(spec({}), "process", { processArgv: ["/bin/true"] })).toMatchObject({ ok: true, value: { argv: ["/bin/true"] } });
    expect(launchSpecFor(spec({}), "sim")).toMatchObject({ ok: true, value: { backend: "sim", argv: ["sim-vm", "web-1"], vcpus: 2, memoryMib: 512 } });
  });
});

describe("host status from heartbeat silence", () => {
  const t = { suspectAfterMs: 1000, downAfterMs: 3000 };
  it("is healthy, then suspect, then down as silence grows", () => {
    expect([0, 1000, 1001, 3000, 3001].map((ms) => hostStatusFromSilence(ms, t))).toEqual(["healthy", "healthy", "suspect", "suspect", "down"]);
  });
  it("rejects thresholds where down does not come after suspect", () => {
    const r = validateHeartbeatThresholds({ suspectAfterMs: 1000, downAfterMs: 1000 });
    expect(r.ok ? null : r.error.message).toBe("downAfterMs must be an integer greater than suspectAfterMs (1000), got 1000");
  });
});
