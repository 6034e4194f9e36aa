import { InvariantViolation } from "../../errors";
import { HOST_STATUSES } from "../../vm/host";
import type { HostRecord } from "../../vm/host";
import { validateVmSpec } from "../../vm/validate-spec";
import { ClusterState } from "./cluster-state";
import { clusterInvariantViolations } from "./invariants";
import { OBSERVED_STATUSES } from "./types";
import type { VmRecord } from "./types";

export const CLUSTER_IMAGE_VERSION = 1;

/** The module's JSON image: records in sorted order, derived indexes left out. */
export interface ClusterImage {
  readonly version: number;
  readonly lastGeneration: number;
  readonly roundRobinCursor: string | null;
  readonly hosts: readonly HostRecord[];
  readonly vms: readonly VmRecord[];
}

export function imageOf(state: ClusterState): ClusterImage {
  return {
    version: CLUSTER_IMAGE_VERSION,
    lastGeneration: state.lastGeneration,
    roundRobinCursor: state.roundRobinCursor,
    hosts: state.sortedHosts(),
    vms: state.sortedVms(),
  };
}

function bad(detail: string): never {
  throw new InvariantViolation("cluster-image", detail);
}

/** Rebuild state from an image; throws InvariantViolation for a malformed or unsafe one. */
export function stateFromImage(image: unknown): ClusterState {
  const img = image as Partial<ClusterImage> | null;
  if (typeof img !== "object" || img === null || img.version !== CLUSTER_IMAGE_VERSION) bad(`expected an image of version ${CLUSTER_IMAGE_VERSION}`);
  if (!Array.isArray(img.hosts) || !Array.isArray(img.vms)) bad("hosts and vms must be lists");
  if (!Number.isSafeInteger(img.lastGeneration) || (img.lastGeneration as number) < 0) bad("lastGeneration must be a non-negative integer");
  const state = new ClusterState();
  state.lastGeneration = img.lastGeneration as number;
  state.roundRobinCursor = typeof img.roundRobinCursor === "string" ? img.roundRobinCursor : null;
  img.hosts.forEach((h: HostRecord, i) => {
    if (typeof h?.id !== "string" || !HOST_STATUSES.includes(h.status) || typeof h.capacity !== "object" || !Array.isArray(h.features)) bad(`host ${i} is malformed`);
    if (state.hosts.has(h.id)) bad(`host ${h.id} appears twice`);
    state.putHost(h);
  });
  img.vms.forEach((vm: VmRecord, i) => {
    const spec = validateVmSpec(vm?.spec);
    if (!spec.ok) bad(`VM ${i} has an invalid spec: ${spec.error.message}`);
    if (!OBSERVED_STATUSES.includes(vm.status) || !Array.isArray(vm.history) || !Number.isSafeInteger(vm.generation)) bad(`VM ${spec.value.name} is malformed`);
    if (state.vms.has(spec.value.name)) bad(`VM ${spec.value.name} appears twice`);
    state.putVm(spec.value.name, { ...vm, spec: spec.value });
  });
  const violations = clusterInvariantViolations(state);
  if (violations.length > 0) bad(violations.join("; "));
  return state;
}
