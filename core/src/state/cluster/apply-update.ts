import { blixardError, err, ok } from "../../errors";
import type { Result } from "../../errors";
import { firstShortfall, subtractResources, addResources } from "../../scheduler/resources-math";
import { resourcesOf } from "../../vm/spec";
import type { VmSpec } from "../../vm/spec";
import { canonicalJson } from "../canonical-json";
import { unknownVm } from "./apply-placement";
import type { ClusterState } from "./cluster-state";
import type { ClusterApplied, ClusterCommand, VmRecord } from "./types";

type Cmd<T extends ClusterCommand["type"]> = Extract<ClusterCommand, { type: T }>;

/**
 * Replace a VM's spec. The owner's controller sees the new spec and, if it
 * changes what it launches, stops the VM and starts it again with the new
 * one (a microvm-nix runner is rebuilt on that start). A placed VM keeps its
 * host, so the new spec must fit there (its old reservation counted free);
 * otherwise the update is refused and the VM runs on unchanged.
 */
export function updateVmCommand(state: ClusterState, c: Cmd<"update-vm">): Result<ClusterApplied> {
  const name = c.spec.name;
  const vm = state.vms.get(name);
  if (vm === undefined) return unknownVm(name);
  if (vm.desired === "deleted") return err(blixardError("vm-deleting", `VM ${name} is being deleted; its spec cannot change`));
  if (canonicalJson(vm.spec) === canonicalJson(c.spec)) return ok({ command: c.type, effect: "ignored", detail: `VM ${name} already has this spec` });
  if (vm.placement !== null) {
    const problem = updateProblem(state, vm, c.spec, vm.placement.hostId);
    if (problem !== null) {
      return err(blixardError("vm-update-rejected", `VM ${name} cannot take the new spec on its host ${vm.placement.hostId}: ${problem}`, {
        hint: `stop it (blixard vm stop ${name}), update it, and start it again: the scheduler then places it where the new spec fits`,
      }));
    }
  }
  state.putVm(name, { ...vm, spec: c.spec });
  const where = vm.placement === null ? "it is not placed; the scheduler uses the new spec" : `its host ${vm.placement.hostId} restarts it with the new spec if what it launches changed`;
  return ok({ command: c.type, effect: "applied", detail: `VM ${name} updated: ${where}` });
}

/** Would the VM, with `spec` instead of its own, still be allowed on `hostId`? Null if so. */
function updateProblem(state: ClusterState, vm: VmRecord, spec: VmSpec, hostId: string): string | null {
  const host = state.hosts.get(hostId);
  if (host === undefined) return `host ${hostId} is not registered`;
  const missing = spec.requiredFeatures.find((feature) => !host.features.includes(feature));
  if (missing !== undefined) return `the host lacks feature ${missing}`;
  if (spec.placement.strategy === "manual" && spec.placement.hostId !== hostId) return `the new spec pins it to ${spec.placement.hostId ?? "another host"}`;
  const group = spec.antiAffinityGroup;
  if (group !== null && group !== vm.spec.antiAffinityGroup && state.hasGroupOnHost(hostId, group)) return `another VM of anti-affinity group ${group} runs there`;
  const free = addResources(subtractResources(host.capacity, state.allocationOf(hostId)), resourcesOf(vm.spec));
  const short = firstShortfall(free, resourcesOf(spec));
  return short === null ? null : `it needs ${resourcesOf(spec)[short]} ${short} and ${free[short]} are free there`;
}
