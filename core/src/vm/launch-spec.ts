import { blixardError, err, ok } from "../errors";
import type { Result } from "../errors";
import type { LaunchSpec } from "../ports/spawner";
import type { VmShare, VmSpec } from "./spec";

export type LaunchBackend = LaunchSpec["backend"];

export interface LaunchOptions {
  /** A built microvm.nix runner (the `declaredRunner` output, holding bin/microvm-run). */
  readonly runnerPath?: string;
  /** Nix CLI used to build and run a flake's runner. Default "nix". */
  readonly nixCommand?: string;
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
export function launchSpecFor(spec: VmSpec, backend: LaunchBackend, options: LaunchOptions = {}): Result<LaunchSpec> {
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

function argvFor(spec: VmSpec, backend: LaunchBackend, options: LaunchOptions): Result<string[]> {
  switch (backend) {
    case "microvm-nix":
      return microvmNixArgv(spec, options);
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

function microvmNixArgv(spec: VmSpec, options: LaunchOptions): Result<string[]> {
  if (options.runnerPath !== undefined) return ok([`${options.runnerPath}/bin/microvm-run`]);
  if (spec.nixos?.kind === "flake") {
    return ok([options.nixCommand ?? "nix", "run", `${spec.nixos.flake}.config.microvm.declaredRunner`]);
  }
  const why = spec.nixos === null ? "the spec has no nixos configuration" : "nixos.modules must first be built into a runner";
  return unsupported(spec, "microvm-nix", why, "set nixos.flake, or pass runnerPath pointing at a built microvm.declaredRunner");
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
