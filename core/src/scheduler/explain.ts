import { compareIds, describeResources, RESOURCE_NAMES, RESOURCE_UNITS } from "./resources-math";
import type { ResourceName } from "./resources-math";
import { exclusionFor } from "./cluster-view";
import type { SchedulingState, Exclusion } from "./cluster-view";
import type { VmRequest } from "./types";

/** Largest free amount of one resource, and where, among hosts short of it. */
interface Largest {
  amount: number;
  hostId: string;
}

/**
 * Nomad-style account of why no host fits: how many hosts each constraint
 * eliminated, and for resources, the best that was on offer.
 */
export function explainUnplaceable(state: SchedulingState, vm: VmRequest): string {
  const head = `VM ${vm.name} needs ${describeResources(vm.resources)}`;
  if (state.hosts.length === 0) return `${head}; the cluster has no hosts`;
  const counts = new Map<string, number>();
  const largest = new Map<ResourceName, Largest>();
  for (const h of state.hosts) {
    const ex = exclusionFor(h, vm);
    if (ex === null) continue;
    const label = labelOf(ex);
    counts.set(label, (counts.get(label) ?? 0) + 1);
    if (ex.kind === "resources") {
      const amount = h.free[ex.resource];
      const best = largest.get(ex.resource);
      if (best === undefined || amount > best.amount) largest.set(ex.resource, { amount, hostId: h.host.id });
    }
  }
  const parts = [...counts.entries()]
    .sort((a, b) => orderOf(a[0]) - orderOf(b[0]) || compareIds(a[0], b[0]))
    .map(([label, n]) => `${n} ${label}${resourceDetail(label, vm, largest)}`);
  return `${head}; no host of ${state.hosts.length} fits: ${parts.join(", ")}`;
}

/** Why one named host cannot take the VM, in one sentence. */
export function explainHost(exclusion: Exclusion, hostId: string, vm: VmRequest, freeAmount: number): string {
  switch (exclusion.kind) {
    case "status":
      return `host ${hostId} is ${exclusion.status}`;
    case "cordoned":
      return `host ${hostId} is cordoned`;
    case "draining":
      return `host ${hostId} is draining`;
    case "feature":
      return `host ${hostId} lacks feature ${exclusion.feature}`;
    case "anti-affinity":
      return `host ${hostId} already runs a VM of anti-affinity group ${exclusion.group}`;
    case "resources": {
      const unit = RESOURCE_UNITS[exclusion.resource];
      return `VM ${vm.name} needs ${vm.resources[exclusion.resource]} ${unit}; host ${hostId} has ${freeAmount} free`;
    }
  }
}

function labelOf(ex: Exclusion): string {
  switch (ex.kind) {
    case "status":
      return ex.status;
    case "cordoned":
      return "cordoned";
    case "draining":
      return "draining";
    case "feature":
      return `excluded by feature ${ex.feature}`;
    case "anti-affinity":
      return `excluded by anti-affinity group ${ex.group}`;
    case "resources":
      return `short of ${RESOURCE_UNITS[ex.resource]}`;
  }
}

const LABEL_ORDER = [
  "down",
  "suspect",
  "cordoned",
  "draining",
  "excluded by feature",
  "excluded by anti-affinity",
  ...RESOURCE_NAMES.map((r) => `short of ${RESOURCE_UNITS[r]}`),
];

function orderOf(label: string): number {
  const i = LABEL_ORDER.findIndex((prefix) => label.startsWith(prefix));
  return i === -1 ? LABEL_ORDER.length : i;
}

function resourceDetail(label: string, vm: VmRequest, largest: ReadonlyMap<ResourceName, Largest>): string {
  for (const r of RESOURCE_NAMES) {
    if (label !== `short of ${RESOURCE_UNITS[r]}`) continue;
    const best = largest.get(r);
    if (best === undefined) return "";
    return ` (needs ${vm.resources[r]}; largest free is ${best.amount} on ${best.hostId})`;
  }
  return "";
}
