import type { Resources } from "../vm/spec";
import { compareIds, firstShortfall, normaliserFor, subtractResources, ZERO_RESOURCES, addResources } from "./resources-math";
import type { Normaliser, ResourceName } from "./resources-math";
import type { PlacedVm, SchedHost, SchedulerView, VmRequest } from "./types";

/** One host with what is left on it, derived from the placed VMs. */
export interface HostState {
  readonly host: SchedHost;
  readonly free: Resources;
  /** Anti-affinity groups already present on the host. */
  readonly groups: ReadonlySet<string>;
  /** VMs on the host, sorted by name. */
  readonly vms: readonly PlacedVm[];
}

export interface SchedulingState {
  /** Sorted by host id. */
  readonly hosts: readonly HostState[];
  readonly byId: ReadonlyMap<string, HostState>;
  readonly normaliser: Normaliser;
}

/** Derive per-host free resources and groups from a view, independent of input order. */
export function schedulingStateOf(view: SchedulerView): SchedulingState {
  const sorted = [...view.hosts].sort((a, b) => compareIds(a.id, b.id));
  const used = new Map<string, { allocated: Resources; groups: Set<string>; vms: PlacedVm[] }>();
  for (const h of sorted) used.set(h.id, { allocated: ZERO_RESOURCES, groups: new Set(), vms: [] });
  for (const vm of view.placed) {
    const u = used.get(vm.hostId);
    if (u === undefined) continue; // a VM on an unknown host holds nothing the scheduler can use
    u.allocated = addResources(u.allocated, vm.resources);
    if (vm.antiAffinityGroup !== null) u.groups.add(vm.antiAffinityGroup);
    u.vms.push(vm);
  }
  const hosts = sorted.map((host): HostState => {
    const u = used.get(host.id) ?? { allocated: ZERO_RESOURCES, groups: new Set<string>(), vms: [] };
    u.vms.sort((a, b) => compareIds(a.name, b.name));
    return { host, free: subtractResources(host.capacity, u.allocated), groups: u.groups, vms: u.vms };
  });
  return { hosts, byId: new Map(hosts.map((h) => [h.host.id, h])), normaliser: normaliserFor(sorted) };
}

/** Why a host cannot take a VM; checked in this fixed order so reasons are stable. */
export type Exclusion =
  | { readonly kind: "status"; readonly status: "suspect" | "down" }
  | { readonly kind: "cordoned" }
  | { readonly kind: "draining" }
  | { readonly kind: "feature"; readonly feature: string }
  | { readonly kind: "anti-affinity"; readonly group: string }
  | { readonly kind: "resources"; readonly resource: ResourceName };

/** Constraints that no eviction can fix: health, cordon, drain, features. */
export function hardExclusion(host: SchedHost, vm: VmRequest): Exclusion | null {
  if (host.status !== "healthy") return { kind: "status", status: host.status };
  if (host.cordoned) return { kind: "cordoned" };
  if (host.draining) return { kind: "draining" };
  for (const feature of vm.requiredFeatures) {
    if (!host.features.includes(feature)) return { kind: "feature", feature };
  }
  return null;
}

export function exclusionFor(h: HostState, vm: VmRequest): Exclusion | null {
  const hard = hardExclusion(h.host, vm);
  if (hard !== null) return hard;
  if (vm.antiAffinityGroup !== null && h.groups.has(vm.antiAffinityGroup)) {
    return { kind: "anti-affinity", group: vm.antiAffinityGroup };
  }
  const short = firstShortfall(h.free, vm.resources);
  return short === null ? null : { kind: "resources", resource: short };
}
