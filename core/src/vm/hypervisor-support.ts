import type { IssueList } from "./field-reader";
import type { Hypervisor, InterfaceType, ShareProto, VmSpec } from "./spec";

/**
 * What each hypervisor's microvm.nix runner accepts (lib/runners/*.nix):
 * firecracker has no shares and only tap networking; cloud-hypervisor and
 * stratovirt share only over virtiofs; kvmtool only over 9p; crosvm and qemu
 * do both. User-mode networking exists in qemu, kvmtool and stratovirt.
 */
export interface HypervisorSupport {
  readonly shareProtos: readonly ShareProto[];
  readonly interfaceTypes: readonly InterfaceType[];
}

export const HYPERVISOR_SUPPORT: Readonly<Record<Hypervisor, HypervisorSupport>> = {
  "cloud-hypervisor": { shareProtos: ["virtiofs"], interfaceTypes: ["tap"] },
  crosvm: { shareProtos: ["9p", "virtiofs"], interfaceTypes: ["tap"] },
  firecracker: { shareProtos: [], interfaceTypes: ["tap"] },
  kvmtool: { shareProtos: ["9p"], interfaceTypes: ["tap", "user"] },
  qemu: { shareProtos: ["9p", "virtiofs"], interfaceTypes: ["tap", "user"] },
  stratovirt: { shareProtos: ["virtiofs"], interfaceTypes: ["tap", "user"] },
};

export function checkHypervisorSupport(issues: IssueList, spec: VmSpec): void {
  const support = HYPERVISOR_SUPPORT[spec.hypervisor];
  spec.shares.forEach((share, i) => {
    if (support.shareProtos.length === 0) {
      issues.add(`shares[${i}]`, `cannot be used: ${spec.hypervisor} does not support shares (use a volume instead)`);
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
  return warnings;
}
