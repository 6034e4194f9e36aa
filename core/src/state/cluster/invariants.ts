import { compareIds, firstShortfall, addResources, ZERO_RESOURCES } from "../../scheduler/resources-math";
import { resourcesOf } from "../../vm/spec";
import type { Resources } from "../../vm/spec";
import type { ClusterState } from "./cluster-state";

/**
 * The cluster's safety properties, recomputed from the records alone (not from
 * the incremental indexes, which they also cross-check). Returns one sentence
 * per violation; empty means healthy. The simulator calls this after applies.
 */
export function clusterInvariantViolations(state: ClusterState): string[] {
  const out: string[] = [];
  const used = new Map<string, Resources>();
  const owners = new Map<string, string[]>();
  for (const vm of state.sortedVms()) {
    const p = vm.placement;
    if (vm.generation > state.lastGeneration) out.push(`VM ${vm.spec.name} has generation ${vm.generation} above the last issued ${state.lastGeneration}`);
    if (p === null) continue;
    if (p.generation !== vm.generation) out.push(`VM ${vm.spec.name} is placed at generation ${p.generation} but records ${vm.generation}`);
    if (!state.hosts.has(p.hostId)) out.push(`VM ${vm.spec.name} is placed on unknown host ${p.hostId}`);
    used.set(p.hostId, addResources(used.get(p.hostId) ?? ZERO_RESOURCES, resourcesOf(vm.spec)));
    owners.set(p.hostId, [...(owners.get(p.hostId) ?? []), vm.spec.name]);
  }
  for (const host of state.sortedHosts()) {
    const total = used.get(host.id) ?? ZERO_RESOURCES;
    const over = firstShortfall(host.capacity, total);
    if (over !== null) out.push(`host ${host.id} is overcommitted: ${total[over]} ${over} allocated of ${host.capacity[over]}`);
    const indexed = state.allocationOf(host.id);
    if (indexed.vcpus !== total.vcpus || indexed.memoryMib !== total.memoryMib || indexed.diskGib !== total.diskGib) {
      out.push(`host ${host.id} allocation index disagrees with its VMs`);
    }
    const listed = state.vmNamesOnHost(host.id).join(",");
    const actual = (owners.get(host.id) ?? []).sort(compareIds).join(",");
    if (listed !== actual) out.push(`host ${host.id} lists VMs [${listed}] but VMs placed there are [${actual}]`);
  }
  return out;
}

/**
 * Watches generations across applies: each VM incarnation's generation may
 * only grow, and a new placement always gets a higher number than any before.
 */
export class GenerationTracker {
  private readonly seen = new Map<string, number>();
  private highest = 0;

  /** Returns violations since the previous observation. */
  observe(state: ClusterState): string[] {
    const out: string[] = [];
    if (state.lastGeneration < this.highest) out.push(`last issued generation went back from ${this.highest} to ${state.lastGeneration}`);
    this.highest = Math.max(this.highest, state.lastGeneration);
    for (const vm of state.sortedVms()) {
      const key = `${vm.spec.name}@${vm.createdAtIndex}`;
      const before = this.seen.get(key) ?? 0;
      if (vm.generation < before) out.push(`VM ${vm.spec.name} generation went back from ${before} to ${vm.generation}`);
      this.seen.set(key, Math.max(before, vm.generation));
    }
    return out;
  }
}
