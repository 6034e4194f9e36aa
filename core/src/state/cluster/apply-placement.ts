import { assert, blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import { hardExclusion } from "../../scheduler/cluster-view";
import { explainHost } from "../../scheduler/explain";
import { firstShortfall, subtractResources } from "../../scheduler/resources-math";
import type { ApplyContext } from "../module";
import { requestOf } from "./cluster-state";
import type { ClusterState } from "./cluster-state";
import { withStatus } from "./history";
import type { ClusterApplied, ClusterCommand, VmRecord } from "./types";

type Cmd<T extends ClusterCommand["type"]> = Extract<ClusterCommand, { type: T }>;

export function unknownVm(name: string): Result<never> {
  return err(blixardError("unknown-vm", `no VM named ${name}`, { hint: "blixard vm list shows existing VMs" }));
}

/**
 * Re-check a placement against committed state at apply time. The scheduler
 * decided on a view that may be stale (another placement may have landed
 * since); this check is what makes two racing placements unable to overcommit.
 */
export function placementProblem(state: ClusterState, vm: VmRecord, hostId: string): string | null {
  const host = state.hosts.get(hostId);
  if (host === undefined) return `host ${hostId} is not registered`;
  const request = requestOf(vm);
  const hard = hardExclusion(host, request);
  if (hard !== null) return explainHost(hard, hostId, request, 0);
  const group = vm.spec.antiAffinityGroup;
  if (group !== null && state.hasGroupOnHost(hostId, group)) return explainHost({ kind: "anti-affinity", group }, hostId, request, 0);
  const free = subtractResources(host.capacity, state.allocationOf(hostId));
  const short = firstShortfall(free, request.resources);
  return short === null ? null : explainHost({ kind: "resources", resource: short }, hostId, request, free[short]);
}

/** Put an unplaced VM on a host with a fresh cluster-wide generation. Caller checked feasibility. */
export function commitPlacement(state: ClusterState, vm: VmRecord, hostId: string, reason: string, ctx: ApplyContext): VmRecord {
  const generation = state.lastGeneration + 1;
  assert(generation > vm.generation, "vm-generation-increases", () => `VM ${vm.spec.name}: ${generation} after ${vm.generation}`);
  state.lastGeneration = generation;
  state.roundRobinCursor = hostId;
  const next = withStatus({ ...vm, placement: { hostId, generation }, generation, pendingReason: null, move: null, lastReportBasedOn: 0 }, "scheduled", reason, ctx);
  state.putVm(vm.spec.name, next);
  const host = state.hosts.get(hostId);
  const used = state.allocationOf(hostId);
  assert(host !== undefined && firstShortfall(host.capacity, used) === null, "host-allocation-within-capacity", () => `host ${hostId} after placing ${vm.spec.name}`);
  return next;
}

/**
 * The VM has left its host (stopped there, or the host was fenced). Delete it,
 * stop it, or send it back to the scheduler, as its desired state says.
 */
export function vacate(state: ClusterState, vm: VmRecord, reason: string, ctx: ApplyContext): string {
  const name = vm.spec.name;
  if (vm.desired === "deleted") {
    state.putVm(name, null);
    return `VM ${name} deleted`;
  }
  const base: VmRecord = { ...vm, placement: null, move: null, lastReportBasedOn: 0 };
  if (vm.desired === "stopped") {
    state.putVm(name, { ...withStatus(base, "stopped", reason, ctx), pendingReason: null });
    return `VM ${name} stopped and released its host`;
  }
  state.putVm(name, { ...withStatus(base, "pending", reason, ctx), pendingReason: reason });
  return `VM ${name} back to pending: ${reason}`;
}

export function placeVmCommand(state: ClusterState, c: Cmd<"place-vm">, ctx: ApplyContext): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  if (vm.desired !== "running") {
    return err(blixardError("vm-not-runnable", `VM ${c.vmName} is not placed: its desired state is ${vm.desired}`));
  }
  if (vm.placement !== null) {
    return err(blixardError("stale-placement", `VM ${c.vmName} is already placed on ${vm.placement.hostId} (generation ${vm.placement.generation})`, { hint: "migrate it instead" }));
  }
  if (vm.generation !== c.expectedGeneration) {
    return err(blixardError("stale-placement", `placement of VM ${c.vmName} expected generation ${c.expectedGeneration}, but it is ${vm.generation}`, { hint: "re-run the scheduler on current state" }));
  }
  const problem = placementProblem(state, vm, c.hostId);
  if (problem !== null) {
    const reason = `placement on ${c.hostId} rejected at apply: ${problem}`;
    state.putVm(c.vmName, { ...vm, pendingReason: reason });
    return err(blixardError("placement-rejected", reason, { hint: "the scheduler will try again from current state" }));
  }
  const next = commitPlacement(state, vm, c.hostId, `placed on ${c.hostId}`, ctx);
  return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} placed on ${c.hostId} at generation ${next.generation}` });
}

export function evictVmCommand(state: ClusterState, c: Cmd<"evict-vm">): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  if (vm.placement === null) return err(blixardError("vm-not-placed", `VM ${c.vmName} cannot be evicted: it is not placed`));
  if (vm.move !== null) return ok({ command: c.type, effect: "ignored", detail: `VM ${c.vmName} is already leaving ${vm.placement.hostId} (${vm.move.kind})` });
  state.putVm(c.vmName, { ...vm, move: { kind: "evict", reason: c.reason } });
  return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} to be stopped on ${vm.placement.hostId}: ${c.reason}` });
}

export function unplaceVmCommand(state: ClusterState, c: Cmd<"unplace-vm">, ctx: ApplyContext): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  const p = vm.placement;
  if (p === null || p.hostId !== c.hostId || p.generation !== c.generation) {
    const now = p === null ? "it is not placed" : `it is on ${p.hostId} at generation ${p.generation}`;
    return ok({ command: c.type, effect: "ignored", detail: `unplace of VM ${c.vmName} from ${c.hostId} generation ${c.generation} is stale: ${now}` });
  }
  const heard = state.hosts.get(c.hostId)?.lastHeartbeatIndex ?? 0;
  if (c.heartbeatIndex !== undefined && heard > c.heartbeatIndex) {
    // The host's heartbeat committed after the fence was decided: it holds a fresh lease and may run the VM.
    return ok({ command: c.type, effect: "ignored", detail: `unplace of VM ${c.vmName} from ${c.hostId} is void: the host was heard at index ${heard}, after the fence was decided (index ${c.heartbeatIndex})` });
  }
  return ok({ command: c.type, effect: "applied", detail: vacate(state, vm, c.reason, ctx) });
}

export function migrateVmCommand(state: ClusterState, c: Cmd<"migrate-vm">): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  if (vm.placement === null) return err(blixardError("vm-not-placed", `VM ${c.vmName} cannot migrate: it is not placed`, { hint: "a pending VM is placed by the scheduler" }));
  if (vm.desired !== "running") return err(blixardError("vm-not-runnable", `VM ${c.vmName} cannot migrate: its desired state is ${vm.desired}`));
  if (vm.move !== null) return err(blixardError("vm-already-moving", `VM ${c.vmName} is already leaving ${vm.placement.hostId} (${vm.move.kind})`));
  if (c.targetHostId === vm.placement.hostId) return err(blixardError("migrate-to-self", `VM ${c.vmName} already runs on ${c.targetHostId}`));
  const problem = placementProblem(state, vm, c.targetHostId);
  if (problem !== null) return err(blixardError("placement-rejected", `cannot migrate VM ${c.vmName} to ${c.targetHostId}: ${problem}`));
  state.putVm(c.vmName, { ...vm, move: { kind: "migrate", targetHostId: c.targetHostId } });
  return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} to stop on ${vm.placement.hostId}, then start on ${c.targetHostId}` });
}

/** Record why the scheduler could not place a pending VM; stale once the VM was placed or re-generated. */
export function setPendingReasonCommand(state: ClusterState, c: Cmd<"set-pending-reason">): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  if (vm.placement !== null || vm.generation !== c.generation) {
    return ok({ command: c.type, effect: "ignored", detail: `pending reason for VM ${c.vmName} is stale: it is placed or at generation ${vm.generation}` });
  }
  state.putVm(c.vmName, { ...vm, pendingReason: c.reason });
  return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} pending: ${c.reason}` });
}
