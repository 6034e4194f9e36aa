import { compareIds, freeScore } from "./resources-math";
import { schedulingStateOf, exclusionFor } from "./cluster-view";
import type { SchedulingState, HostState } from "./cluster-view";
import { explainHost, explainUnplaceable } from "./explain";
import { findPreemption } from "./preempt";
import type { Decision, SchedulerView, Strategy, VmRequest } from "./types";

/**
 * Place one VM on a snapshot of the cluster: filter hosts by hard constraints,
 * rank the survivors by the strategy, break ties by host id. If none fits, try
 * preemption of strictly lower-priority VMs; otherwise explain what excluded
 * each host. Pure: the same view gives the same decision, whatever its order.
 */
export function placeVm(view: SchedulerView, vm: VmRequest, strategy: Strategy): Decision {
  const already = view.placed.find((p) => p.name === vm.name);
  if (already !== undefined) return { kind: "unplaceable", reason: `VM ${vm.name} is already placed on host ${already.hostId}` };
  const state = schedulingStateOf(view);
  const chosen = chooseHost(state, view.roundRobinCursor, vm, strategy);
  if (chosen !== null) return { kind: "placed", hostId: chosen.host.id };
  return decideWithoutFit(state, vm, strategy);
}

/** What to do when no host fits as-is: preempt if allowed, else explain. */
export function decideWithoutFit(state: SchedulingState, vm: VmRequest, strategy: Strategy): Decision {
  const pinned = strategy.kind === "manual" ? strategy.hostId : null;
  const why = pinned === null ? explainUnplaceable(state, vm) : explainPinned(state, vm, pinned);
  if (pinned !== null && !state.byId.has(pinned)) return { kind: "unplaceable", reason: why };
  const plan = findPreemption(state, vm, pinned);
  if (plan === null) return { kind: "unplaceable", reason: why };
  const victims = plan.evict.map((v) => `${v.name} (priority ${v.priority})`).join(", ");
  return {
    kind: "preempt",
    hostId: plan.hostId,
    evict: plan.evict.map((v) => v.name),
    reason: `${why}; VM ${vm.name} (priority ${vm.priority}) fits on ${plan.hostId} after evicting ${victims}`,
  };
}

function explainPinned(state: SchedulingState, vm: VmRequest, hostId: string): string {
  const h = state.byId.get(hostId);
  if (h === undefined) return `VM ${vm.name} is pinned to host ${hostId}, which is not registered`;
  const ex = exclusionFor(h, vm);
  const detail = ex === null ? "it fits" : explainHost(ex, hostId, vm, ex.kind === "resources" ? h.free[ex.resource] : 0);
  return `VM ${vm.name} is pinned to host ${hostId}: ${detail}`;
}

function chooseHost(state: SchedulingState, cursor: string | null, vm: VmRequest, strategy: Strategy): HostState | null {
  switch (strategy.kind) {
    case "manual": {
      const h = state.byId.get(strategy.hostId);
      return h !== undefined && exclusionFor(h, vm) === null ? h : null;
    }
    case "round-robin":
      return roundRobin(state, cursor, vm);
    case "most-available":
    case "least-available":
      return bestByScore(state, vm, strategy.kind === "most-available");
  }
}

/** First feasible host after the cursor in id order, wrapping around. */
function roundRobin(state: SchedulingState, cursor: string | null, vm: VmRequest): HostState | null {
  const n = state.hosts.length;
  let start = 0;
  if (cursor !== null) {
    start = state.hosts.findIndex((h) => compareIds(h.host.id, cursor) > 0);
    if (start === -1) start = 0;
  }
  for (let i = 0; i < n; i++) {
    const h = state.hosts[(start + i) % n];
    if (h !== undefined && exclusionFor(h, vm) === null) return h;
  }
  return null;
}

/**
 * Rank by normalised free resources before placement (the VM's own demand is
 * the same for every host, so this orders hosts as "after placement" would).
 * Hosts are visited in id order, so a strict comparison keeps the lowest id on ties.
 */
function bestByScore(state: SchedulingState, vm: VmRequest, most: boolean): HostState | null {
  let best: HostState | null = null;
  let bestScore = 0;
  for (const h of state.hosts) {
    if (exclusionFor(h, vm) !== null) continue;
    const score = freeScore(state.normaliser, h.free.vcpus, h.free.memoryMib, h.free.diskGib);
    if (best === null || (most ? score > bestScore : score < bestScore)) {
      best = h;
      bestScore = score;
    }
  }
  return best;
}
