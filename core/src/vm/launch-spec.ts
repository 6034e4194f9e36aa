import { blixardError, err, ok } from "../errors";
import type { Result } from "../errors";
import type { LaunchSpec, MicrovmLaunch } from "../ports/spawner";
import { microvmFlake } from "./microvm/flake";
import { networkFromSpec } from "./microvm/network";
import type { VmNetwork } from "./microvm/network";
import type { VmShare, VmSpec } from "./spec";

export type LaunchBackend = LaunchSpec["backend"];

/** How this host builds microvm.nix guests. */
export interface MicrovmNixOptions {
  /** Flake reference for the nixpkgs guests from spec modules are built with. Pin a revision for hosts that agree. */
  readonly nixpkgsFlake: string;
  /** Flake reference for microvm.nix. */
  readonly microvmFlake: string;
  /** This host's Nix system (x86_64-linux, aarch64-linux). */
  readonly system: string;
  /** Nix CLI used to build runners. */
  readonly nixCommand: string;
  /** A runner build still running after this long fails the start. */
  readonly buildTimeoutMs: number;
}

export const DEFAULT_MICROVM_NIX_OPTIONS: MicrovmNixOptions = {
  nixpkgsFlake: "github:NixOS/nixpkgs/nixos-24.11",
  microvmFlake: "github:astro/microvm.nix",
  system: "x86_64-linux",
  nixCommand: "nix",
  // A first build downloads and builds a whole NixOS closure.
  buildTimeoutMs: 30 * 60_000,
};

/** microvm-run, relative to the VM's state directory (microvm.nix's `current` runner link). */
export const MICROVM_RUN_ARGV = ["current/bin/microvm-run"] as const;

export interface LaunchOptions {
  /** microvm-nix: how runners are built here; defaults to DEFAULT_MICROVM_NIX_OPTIONS. */
  readonly microvmNix?: MicrovmNixOptions;
  /** QEMU binary for qemu-direct. Default "qemu-system-x86_64". */
  readonly qemuCommand?: string;
  /** Command for the "process" backend; default is a shell that prints a boot line and idles. */
  readonly processArgv?: readonly string[];
}

/** The line the default "process" stand-in prints once "booted". */
export const PROCESS_BOOT_LINE_PREFIX = "blixard-vm booted";

/**
 * Turn a validated spec into what a spawner runs. Backends differ in what they
 * need: microvm-nix needs a flake or a built runner, qemu-direct needs a kernel;
 * a spec that cannot be launched on a backend gets a specific error, not a
 * half-built argv.
 */
export function launchSpecFor(spec: VmSpec, backend: LaunchBackend, options: LaunchOptions = {}, network: VmNetwork | null = null): Result<LaunchSpec> {
  if (backend === "microvm-nix") return microvmNixLaunch(spec, options.microvmNix ?? DEFAULT_MICROVM_NIX_OPTIONS, network ?? networkFromSpec(spec));
  const argv = argvFor(spec, backend, options);
  if (!argv.ok) return argv;
  return ok({
    backend,
    argv: argv.value,
    vcpus: spec.vcpus,
    memoryMib: spec.memoryMib,
    env: { BLIXARD_VM_NAME: spec.name },
  });
}

function argvFor(spec: VmSpec, backend: Exclude<LaunchBackend, "microvm-nix">, options: LaunchOptions): Result<string[]> {
  switch (backend) {
    case "qemu-direct":
      return qemuDirectArgv(spec, options);
    case "process":
      return ok(options.processArgv !== undefined ? [...options.processArgv] : ["sh", "-c", `echo '${PROCESS_BOOT_LINE_PREFIX} ${spec.name}'; exec sleep infinity`]);
    case "sim":
      return ok(["sim-vm", spec.name]);
  }
}

function unsupported(spec: VmSpec, backend: LaunchBackend, why: string, hint: string): Result<never> {
  return err(blixardError("launch-unsupported", `cannot launch VM ${spec.name} on backend ${backend}: ${why}`, { hint }));
}

/**
 * microvm-nix: the spawner makes the VM's runner (`current`) from the plan,
 * then runs its microvm-run in the VM's state directory. Kernel and initrd
 * paths are qemu-direct's: microvm.nix boots the guest's own kernel.
 */
function microvmNixLaunch(spec: VmSpec, options: MicrovmNixOptions, network: VmNetwork): Result<LaunchSpec> {
  if (spec.kernel.kernelPath !== null) {
    return unsupported(spec, "microvm-nix", "kernel.kernelPath is set, but microvm.nix boots the guest configuration's own kernel", "drop kernel.kernelPath and kernel.initrdPath (set boot.kernelPackages in a NixOS module), or use qemu-direct");
  }
  const source = spec.nixos;
  let runner: MicrovmLaunch["runner"];
  if (source === null) {
    return unsupported(spec, "microvm-nix", "the spec has no nixos configuration", "set nixos.modules (NixOS module source), nixos.flake (<flake-ref>#nixosConfigurations.<name>) or nixos.runner (a built microvm.declaredRunner)");
  } else if (source.kind === "runner") {
    runner = { kind: "prebuilt", path: source.runner };
  } else {
    const flake = microvmFlake(spec, network, { nixpkgs: options.nixpkgsFlake, microvm: options.microvmFlake, system: options.system });
    if (!flake.ok) return flake;
    runner = { kind: "build", files: flake.value.files, attribute: flake.value.attribute, nixCommand: options.nixCommand, buildTimeoutMs: options.buildTimeoutMs };
  }
  const tapBridges = network.interfaces.flatMap((iface) => (iface.type === "tap" && iface.bridge !== null ? [{ tapId: iface.id, bridge: iface.bridge }] : []));
  return ok({
    backend: "microvm-nix",
    argv: [...MICROVM_RUN_ARGV],
    vcpus: spec.vcpus,
    memoryMib: spec.memoryMib,
    env: { BLIXARD_VM_NAME: spec.name },
    microvm: { name: spec.name, runner, tapBridges },
  });
}

/** QEMU splits option values on ',', so a literal comma is written twice. */
function qemuValue(value: string): string {
  return value.replaceAll(",", ",,");
}

function qemuDirectArgv(spec: VmSpec, options: LaunchOptions): Result<string[]> {
  if (spec.hypervisor !== "qemu") {
    return unsupported(spec, "qemu-direct", `it runs QEMU but the spec asks for ${spec.hypervisor}`, "set hypervisor to qemu or use the microvm-nix backend");
  }
  const kernelPath = spec.kernel.kernelPath;
  if (kernelPath === null) {
    return unsupported(spec, "qemu-direct", "kernel.kernelPath is not set", "set kernel.kernelPath (and usually kernel.initrdPath)");
  }
  const virtiofs = spec.shares.find((s) => s.proto === "virtiofs");
  if (virtiofs !== undefined) {
    return unsupported(spec, "qemu-direct", `share ${virtiofs.tag} uses virtiofs, which needs a virtiofsd daemon`, "use proto 9p or the microvm-nix backend");
  }
  const acceleration = spec.requiredFeatures.includes("kvm") ? ["-accel", "kvm"] : ["-accel", "kvm", "-accel", "tcg"];
  const argv = [
    options.qemuCommand ?? "qemu-system-x86_64",
    "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on",
    ...acceleration,
    "-cpu", "max",
    "-m", `${spec.memoryMib}M`,
    "-smp", String(spec.vcpus),
    "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
    "-serial", "stdio",
    "-kernel", kernelPath,
    ...(spec.kernel.initrdPath !== null ? ["-initrd", spec.kernel.initrdPath] : []),
    "-append", ["console=ttyS0", "reboot=t", "panic=-1", ...spec.kernel.kernelParams].join(" "),
  ];
  spec.volumes.forEach((v, i) => {
    const readOnly = v.readOnly ? ",readonly=on" : "";
    argv.push("-drive", `id=vd${i},format=raw,if=none,file=${qemuValue(v.image)}${readOnly}`);
    argv.push("-device", `virtio-blk-device,drive=vd${i}`);
  });
  for (const iface of spec.interfaces) {
    const netdev = iface.type === "tap" ? `tap,id=${iface.id},ifname=${iface.id},script=no,downscript=no` : `user,id=${iface.id}`;
    argv.push("-netdev", netdev, "-device", `virtio-net-device,netdev=${iface.id},mac=${iface.mac}`);
  }
  spec.shares.forEach((s: VmShare, i) => {
    argv.push("-fsdev", `local,id=fs${i},path=${qemuValue(s.source)},security_model=none`);
    argv.push("-device", `virtio-9p-device,fsdev=fs${i},mount_tag=${s.tag}`);
  });
  return ok(argv);
}
