import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import type { ApplyContext } from "../module";
import { commitPlacement, placementProblem, unknownVm, vacate } from "./apply-placement";
import type { ClusterState } from "./cluster-state";
import { withStatus } from "./history";
import { CLUSTER_VMS_MAX } from "./types";
import type { ClusterApplied, ClusterCommand, VmRecord } from "./types";

type Cmd<T extends ClusterCommand["type"]> = Extract<ClusterCommand, { type: T }>;

const AWAITING_SCHEDULER = "waiting for the scheduler";

export function createVmCommand(state: ClusterState, c: Cmd<"create-vm">, ctx: ApplyContext): Result<ClusterApplied> {
  const name = c.spec.name;
  if (state.vms.has(name)) return err(blixardError("vm-exists", `a VM named ${name} already exists`, { hint: "pick another name or delete the old VM first" }));
  if (state.vms.size >= CLUSTER_VMS_MAX) return err(blixardError("too-many-vms", `cannot create VM ${name}: the cluster already holds ${CLUSTER_VMS_MAX} VMs`));
  const running = c.desired === "running";
  const status = running ? "pending" : "stopped";
  const vm: VmRecord = {
    spec: c.spec,
    desired: c.desired,
    status,
    placement: null,
    generation: 0,
    pendingReason: running ? AWAITING_SCHEDULER : null,
    move: null,
    detail: null,
    exitCode: null,
    createdAtIndex: ctx.index,
    lastReportBasedOn: 0,
    history: [{ index: ctx.index, atMs: ctx.proposedAtMs, from: status, to: status, reason: "created" }],
  };
  state.putVm(name, vm);
  return ok({ command: c.type, effect: "applied", detail: `VM ${name} created (${status})` });
}

export function setDesiredCommand(state: ClusterState, c: Cmd<"set-desired">, ctx: ApplyContext): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return unknownVm(c.vmName);
  if (vm.desired === c.desired) return ok({ command: c.type, effect: "ignored", detail: `VM ${c.vmName} is already desired ${c.desired}` });
  if (vm.desired === "deleted") return err(blixardError("vm-deleting", `VM ${c.vmName} is being deleted; it cannot become ${c.desired}`));
  const next: VmRecord = { ...vm, desired: c.desired };
  if (vm.placement !== null) {
    state.putVm(c.vmName, next);
    return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} desired ${c.desired}; owner ${vm.placement.hostId} acts on it` });
  }
  if (c.desired === "running") {
    state.putVm(c.vmName, { ...withStatus(next, "pending", "desired running", ctx), pendingReason: AWAITING_SCHEDULER });
    return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} pending` });
  }
  const detail = vacate(state, next, `desired ${c.desired}`, ctx);
  return ok({ command: c.type, effect: "applied", detail });
}

/**
 * A status report counts only from the VM's current owner at its current
 * generation, and only if it is not older than the last one counted (see
 * VmRecord.lastReportBasedOn): a report from an old placement (a partitioned
 * host catching up, a delayed message) or a replay is ignored, and the
 * outcome says so.
 */
export function reportStatusCommand(state: ClusterState, c: Cmd<"report-vm-status">, ctx: ApplyContext): Result<ClusterApplied> {
  const vm = state.vms.get(c.vmName);
  if (vm === undefined) return ok({ command: c.type, effect: "ignored", detail: `report from ${c.hostId} for VM ${c.vmName}, which no longer exists` });
  const p = vm.placement;
  if (p === null || p.hostId !== c.hostId || p.generation !== c.generation) {
    const now = p === null ? "it is not placed" : `the owner is ${p.hostId} at generation ${p.generation}`;
    return ok({ command: c.type, effect: "ignored", detail: `stale report for VM ${c.vmName} from ${c.hostId} generation ${c.generation}: ${now}` });
  }
  if (c.basedOnIndex < vm.lastReportBasedOn) {
    const why = `it was made at applied index ${c.basedOnIndex}, before the report already counted (made at ${vm.lastReportBasedOn}): a replayed or delayed message`;
    return ok({ command: c.type, effect: "ignored", detail: `stale report for VM ${c.vmName} from ${c.hostId}: ${why}` });
  }
  const reason = c.detail === null ? `reported by ${c.hostId}` : `reported by ${c.hostId}: ${firstLine(c.detail)}`;
  const updated = withStatus({ ...vm, detail: c.detail, exitCode: c.exitCode, lastReportBasedOn: c.basedOnIndex }, c.observed, reason, ctx);
  const gone = c.observed === "stopped" || c.observed === "failed";
  if (!gone || (vm.desired === "running" && vm.move === null)) {
    // Still running, or down but wanted up: the owner's controller applies the restart policy.
    state.putVm(c.vmName, updated);
    return ok({ command: c.type, effect: "applied", detail: `VM ${c.vmName} is ${c.observed} on ${c.hostId}` });
  }
  if (vm.move?.kind === "migrate") return finishMigration(state, updated, vm.move.targetHostId, ctx);
  const why = vm.move?.kind === "evict" ? `evicted: ${vm.move.reason}` : `${c.observed} on ${c.hostId}`;
  return ok({ command: c.type, effect: "applied", detail: vacate(state, updated, why, ctx) });
}

/** The owner stopped the VM: place it on the migration target in the same step, if it still fits. */
function finishMigration(state: ClusterState, vm: VmRecord, targetHostId: string, ctx: ApplyContext): Result<ClusterApplied> {
  const from = vm.placement?.hostId ?? "";
  if (vm.desired !== "running") return ok({ command: "report-vm-status", effect: "applied", detail: vacate(state, vm, `stopped on ${from}`, ctx) });
  vacate(state, vm, `stopped on ${from} for migration to ${targetHostId}`, ctx);
  const pending = state.vms.get(vm.spec.name) as VmRecord;
  const problem = placementProblem(state, pending, targetHostId);
  if (problem !== null) {
    const reason = `migration target ${targetHostId} rejected: ${problem}`;
    state.putVm(vm.spec.name, { ...pending, pendingReason: reason });
    return ok({ command: "report-vm-status", effect: "applied", detail: `VM ${vm.spec.name} pending: ${reason}` });
  }
  const placed = commitPlacement(state, pending, targetHostId, `migrated from ${from}`, ctx);
  return ok({ command: "report-vm-status", effect: "applied", detail: `VM ${vm.spec.name} migrated ${from} -> ${targetHostId} at generation ${placed.generation}` });
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
