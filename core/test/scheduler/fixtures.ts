import type { PlacedVm, SchedHost, SchedulerView, VmRequest } from "../../src/scheduler/types";

export function host(id: string, vcpus: number, memoryMib: number, extra: Partial<SchedHost> = {}): SchedHost {
  return { id, capacity: { vcpus, memoryMib, diskGib: 100 }, features: ["kvm"], status: "healthy", cordoned: false, draining: false, ...extra };
}

export function request(name: string, vcpus: number, memoryMib: number, extra: Partial<VmRequest> = {}): VmRequest {
  return { name, resources: { vcpus, memoryMib, diskGib: 1 }, requiredFeatures: [], antiAffinityGroup: null, priority: 50, ...extra };
}

export function placed(name: string, hostId: string, vcpus: number, memoryMib: number, extra: Partial<PlacedVm> = {}): PlacedVm {
  return { name, hostId, resources: { vcpus, memoryMib, diskGib: 1 }, antiAffinityGroup: null, priority: 50, ...extra };
}

export function view(hosts: SchedHost[], vms: PlacedVm[] = [], roundRobinCursor: string | null = null): SchedulerView {
  return { hosts, placed: vms, roundRobinCursor };
}
