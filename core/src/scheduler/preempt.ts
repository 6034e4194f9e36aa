import { addResources, compareIds, firstShortfall, RESOURCE_NAMES } from "./resources-math";
import { hardExclusion } from "./cluster-view";
import type { SchedulingState, HostState } from "./cluster-view";
import { PREEMPTION_EVICTIONS_MAX } from "./types";
import type { PlacedVm, VmRequest } from "./types";
import type { Resources } from "../vm/spec";

export interface PreemptionPlan {
  readonly hostId: string;
  /** Sorted by name. */
  readonly evict: readonly PlacedVm[];
  readonly totalPriority: number;
}

/**
 * Find the host where evicting strictly lower-priority VMs makes room, preferring
 * fewest evictions, then lowest total evicted priority, then host id. Per host the
 * victims are picked greedily (the VM covering most of the remaining shortfall
 * first) and then pruned of any victim not needed; exact minimum sets are a
 * multi-dimensional knapsack, and the greedy pick is bounded and deterministic.
 */
export function findPreemption(state: SchedulingState, vm: VmRequest, onlyHostId: string | null): PreemptionPlan | null {
  let best: PreemptionPlan | null = null;
  for (const h of state.hosts) {
    if (onlyHostId !== null && h.host.id !== onlyHostId) continue;
    if (hardExclusion(h.host, vm) !== null) continue;
    const plan = planForHost(h, vm);
    if (plan !== null && (best === null || betterPlan(plan, best))) best = plan;
  }
  return best;
}

function betterPlan(a: PreemptionPlan, b: PreemptionPlan): boolean {
  if (a.evict.length !== b.evict.length) return a.evict.length < b.evict.length;
  if (a.totalPriority !== b.totalPriority) return a.totalPriority < b.totalPriority;
  return compareIds(a.hostId, b.hostId) < 0;
}

function planForHost(h: HostState, vm: VmRequest): PreemptionPlan | null {
  const group = vm.antiAffinityGroup;
  // Same-group VMs must go whatever the resources say; if one outranks us, the host is out.
  const forced = group === null ? [] : h.vms.filter((v) => v.antiAffinityGroup === group);
  if (forced.some((v) => v.priority >= vm.priority)) return null;
  const pool = h.vms.filter((v) => v.priority < vm.priority && !forced.includes(v));
  const chosen = [...forced];
  let free = chosen.reduce((acc, v) => addResources(acc, v.resources), h.free);
  while (firstShortfall(free, vm.resources) !== null) {
    const next = bestVictim(pool, free, vm.resources);
    if (next === null || chosen.length >= PREEMPTION_EVICTIONS_MAX) return null;
    chosen.push(next);
    pool.splice(pool.indexOf(next), 1);
    free = addResources(free, next.resources);
  }
  if (chosen.length === 0) return null; // it fits without evictions: not a preemption
  const kept = prune(chosen, forced, free, vm.resources);
  const evict = kept.sort((a, b) => compareIds(a.name, b.name));
  return { hostId: h.host.id, evict, totalPriority: evict.reduce((sum, v) => sum + v.priority, 0) };
}

/** The victim covering the largest share of what is still missing; ties: lower priority, then name. */
function bestVictim(pool: readonly PlacedVm[], free: Resources, need: Resources): PlacedVm | null {
  let best: PlacedVm | null = null;
  let bestCover = 0;
  for (const v of pool) {
    let cover = 0;
    for (const r of RESOURCE_NAMES) {
      const missing = need[r] - free[r];
      if (missing > 0) cover += Math.min(v.resources[r], missing) / missing;
    }
    if (cover <= 0) continue;
    const better =
      best === null ||
      cover > bestCover ||
      (cover === bestCover && (v.priority < best.priority || (v.priority === best.priority && compareIds(v.name, best.name) < 0)));
    if (better) {
      best = v;
      bestCover = cover;
    }
  }
  return best;
}

/** Drop victims (highest priority first) whose eviction turned out unnecessary. */
function prune(chosen: PlacedVm[], forced: readonly PlacedVm[], free: Resources, need: Resources): PlacedVm[] {
  const order = chosen
    .filter((v) => !forced.includes(v))
    .sort((a, b) => b.priority - a.priority || compareIds(b.name, a.name));
  let kept = [...chosen];
  let current = free;
  for (const v of order) {
    const without = { vcpus: current.vcpus - v.resources.vcpus, memoryMib: current.memoryMib - v.resources.memoryMib, diskGib: current.diskGib - v.resources.diskGib };
    if (firstShortfall(without, need) === null) {
      kept = kept.filter((k) => k !== v);
      current = without;
    }
  }
  return kept;
}
