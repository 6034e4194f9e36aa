import { assert } from "../../errors";
import type { HostRecord } from "../../vm/host";
import type { Resources } from "../../vm/spec";
import { resourcesOf } from "../../vm/spec";
import { addResources, compareIds, subtractResources, ZERO_RESOURCES } from "../../scheduler/resources-math";
import type { SchedulerView, VmRequest } from "../../scheduler/types";
import type { PeerAddress } from "./peer-address";
import type { VmRecord } from "./types";

/**
 * The cluster module's data: hosts and VMs as records, plus indexes derived
 * from them (allocation, anti-affinity groups and VM names per host) that
 * `putVm` keeps in step with every placement change. Queries sort explicitly:
 * Map order differs between a replica that replayed and one that restored.
 */
export class ClusterState {
  readonly hosts = new Map<string, HostRecord>();
  readonly vms = new Map<string, VmRecord>();
  /** Node id → the ws:// or wss:// URL its Raft endpoint is reached at. */
  readonly peers = new Map<string, string>();
  private readonly allocated = new Map<string, Resources>();
  private readonly groupsOnHost = new Map<string, Map<string, number>>();
  private readonly namesOnHost = new Map<string, Set<string>>();
  /** Highest placement generation ever issued; generations are cluster-wide. */
  lastGeneration = 0;
  /** Host of the latest placement: where round-robin continues. */
  roundRobinCursor: string | null = null;

  putHost(host: HostRecord): void {
    this.hosts.set(host.id, host);
  }

  /** Replace (or with null, remove) a VM record, moving its reservation if its placement changed. */
  putVm(name: string, next: VmRecord | null): void {
    const prev = this.vms.get(name);
    if (prev?.placement != null) this.release(prev);
    if (next === null) this.vms.delete(name);
    else {
      this.vms.set(name, next);
      if (next.placement !== null) this.reserve(next);
    }
  }

  allocationOf(hostId: string): Resources {
    return this.allocated.get(hostId) ?? ZERO_RESOURCES;
  }

  hasGroupOnHost(hostId: string, group: string): boolean {
    return (this.groupsOnHost.get(hostId)?.get(group) ?? 0) > 0;
  }

  /** VM names placed on a host, sorted. */
  vmNamesOnHost(hostId: string): string[] {
    return [...(this.namesOnHost.get(hostId) ?? [])].sort(compareIds);
  }

  sortedHosts(): HostRecord[] {
    return [...this.hosts.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  sortedVms(): VmRecord[] {
    return [...this.vms.values()].sort((a, b) => compareIds(a.spec.name, b.spec.name));
  }

  sortedPeers(): PeerAddress[] {
    return [...this.peers.entries()].sort(([a], [b]) => compareIds(a, b)).map(([nodeId, address]) => ({ nodeId, address }));
  }

  /** The scheduler's input, built from committed state. */
  schedulerView(): SchedulerView {
    const hosts = this.sortedHosts().map((h) => ({
      id: h.id,
      capacity: h.capacity,
      features: h.features,
      status: h.status,
      cordoned: h.cordoned,
      draining: h.draining,
    }));
    const placed = this.sortedVms().flatMap((vm) =>
      vm.placement === null ? [] : [{ ...requestOf(vm), hostId: vm.placement.hostId }],
    );
    return { hosts, placed, roundRobinCursor: this.roundRobinCursor };
  }

  private reserve(vm: VmRecord): void {
    const hostId = vm.placement?.hostId as string;
    this.allocated.set(hostId, addResources(this.allocationOf(hostId), resourcesOf(vm.spec)));
    let names = this.namesOnHost.get(hostId);
    if (names === undefined) this.namesOnHost.set(hostId, (names = new Set()));
    names.add(vm.spec.name);
    const group = vm.spec.antiAffinityGroup;
    if (group !== null) {
      let groups = this.groupsOnHost.get(hostId);
      if (groups === undefined) this.groupsOnHost.set(hostId, (groups = new Map()));
      groups.set(group, (groups.get(group) ?? 0) + 1);
    }
  }

  private release(vm: VmRecord): void {
    const hostId = vm.placement?.hostId as string;
    const left = subtractResources(this.allocationOf(hostId), resourcesOf(vm.spec));
    assert(left.vcpus >= 0 && left.memoryMib >= 0 && left.diskGib >= 0, "cluster-allocation-non-negative", () => `host ${hostId} after releasing ${vm.spec.name}`);
    this.allocated.set(hostId, left);
    this.namesOnHost.get(hostId)?.delete(vm.spec.name);
    const group = vm.spec.antiAffinityGroup;
    if (group !== null) {
      const groups = this.groupsOnHost.get(hostId);
      const count = (groups?.get(group) ?? 0) - 1;
      if (count > 0) groups?.set(group, count);
      else groups?.delete(group);
    }
  }
}

/** What a VM asks of the scheduler. */
export function requestOf(vm: VmRecord): VmRequest {
  return {
    name: vm.spec.name,
    resources: resourcesOf(vm.spec),
    requiredFeatures: vm.spec.requiredFeatures,
    antiAffinityGroup: vm.spec.antiAffinityGroup,
    priority: vm.spec.priority,
  };
}
