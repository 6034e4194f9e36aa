import type { IssueList } from "./field-reader";
import type { Hypervisor, InterfaceType, ShareProto, VmSpec } from "./spec";

/**
 * What each hypervisor's microvm.nix runner (lib/runners/<hypervisor>.nix)
 * accepts, so a spec it would refuse at build time is refused at submission
 * with the reason:
 *
 * - shares: firecracker has none; cloud-hypervisor, stratovirt and alioth
 *   share over virtiofs only, kvmtool over 9p only; qemu and crosvm do both.
 * - interfaces: user-mode networking exists in qemu, kvmtool and stratovirt;
 *   every runner does taps.
 * - graceful shutdown (`bin/microvm-shutdown`, through the control socket):
 *   qemu, cloud-hypervisor, firecracker and crosvm; kvmtool, stratovirt and
 *   alioth ship none (`canShutdown = false`), so they are stopped by signal.
 */
export interface HypervisorSupport {
  readonly shareProtos: readonly ShareProto[];
  readonly interfaceTypes: readonly InterfaceType[];
  /** The runner ships bin/microvm-shutdown. */
  readonly gracefulShutdown: boolean;
  /** The hypervisor's own vCPU ceiling, where it is lower than Blixard's. */
  readonly vcpusMax: number | null;
}

export const HYPERVISOR_SUPPORT: Readonly<Record<Hypervisor, HypervisorSupport>> = {
  alioth: { shareProtos: ["virtiofs"], interfaceTypes: ["tap"], gracefulShutdown: false, vcpusMax: null },
  "cloud-hypervisor": { shareProtos: ["virtiofs"], interfaceTypes: ["tap"], gracefulShutdown: true, vcpusMax: null },
  crosvm: { shareProtos: ["9p", "virtiofs"], interfaceTypes: ["tap"], gracefulShutdown: true, vcpusMax: null },
  // Firecracker refuses more than 32 vCPUs (its MAX_SUPPORTED_VCPUS).
  firecracker: { shareProtos: [], interfaceTypes: ["tap"], gracefulShutdown: true, vcpusMax: 32 },
  kvmtool: { shareProtos: ["9p"], interfaceTypes: ["tap", "user"], gracefulShutdown: false, vcpusMax: null },
  qemu: { shareProtos: ["9p", "virtiofs"], interfaceTypes: ["tap", "user"], gracefulShutdown: true, vcpusMax: null },
  stratovirt: { shareProtos: ["virtiofs"], interfaceTypes: ["tap", "user"], gracefulShutdown: false, vcpusMax: null },
};

export function checkHypervisorSupport(issues: IssueList, spec: VmSpec): void {
  const support = HYPERVISOR_SUPPORT[spec.hypervisor];
  if (support.vcpusMax !== null && spec.vcpus > support.vcpusMax) {
    issues.add("vcpus", `must be at most ${support.vcpusMax} on ${spec.hypervisor}, got ${spec.vcpus}`);
  }
  spec.shares.forEach((share, i) => {
    if (support.shareProtos.length === 0) {
      issues.add(`shares[${i}]`, `cannot be used: ${spec.hypervisor} does not support shares (microvm.nix implements neither 9p nor virtiofs for it; use a volume instead)`);
    } else if (!support.shareProtos.includes(share.proto)) {
      issues.bad(`shares[${i}].proto`, `must be ${support.shareProtos.join(" or ")} on ${spec.hypervisor}`, share.proto);
    }
  });
  spec.interfaces.forEach((iface, i) => {
    if (!support.interfaceTypes.includes(iface.type)) {
      issues.bad(`interfaces[${i}].type`, `must be ${support.interfaceTypes.join(" or ")} on ${spec.hypervisor}`, iface.type);
    }
  });
}

/** Advice that does not block a spec: returned separately so callers can show it. */
export function vmSpecWarnings(spec: VmSpec): string[] {
  const warnings: string[] = [];
  spec.interfaces.forEach((iface, i) => {
    const firstOctet = parseInt(iface.mac.slice(0, 2), 16);
    if ((firstOctet & 2) === 0) {
      warnings.push(`interfaces[${i}].mac ${iface.mac} is not locally administered; prefer a 02:xx:... address to avoid clashing with real hardware`);
    }
  });
  if (spec.hypervisor === "qemu" && spec.memoryMib === 2048) {
    warnings.push("memoryMib 2048 on qemu: QEMU is known to hang with exactly 2 GiB of guest memory (microvm.nix issue 171); use 2047 or 2049");
  }
  if (spec.hypervisor === "kvmtool" && spec.volumes.length > 0) {
    warnings.push("volumes on kvmtool: microvm.nix's kvmtool runner does not pass the volume image path to lkvm (it passes the word \"image\"); check the built runner before relying on them");
  }
  if (!HYPERVISOR_SUPPORT[spec.hypervisor].gracefulShutdown) {
    warnings.push(`${spec.hypervisor} has no graceful shutdown in microvm.nix: stopping this VM sends SIGTERM, then SIGKILL`);
  }
  return warnings;
}
