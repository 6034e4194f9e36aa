import { InvariantViolation } from "../../errors";
import { HOST_STATUSES } from "../../vm/host";
import type { HostRecord } from "../../vm/host";
import { VM_NAME_LENGTH_MAX } from "../../vm/limits";
import { validateVmSpec } from "../../vm/validate-spec";
import { ClusterState } from "./cluster-state";
import { clusterInvariantViolations } from "./invariants";
import { peerAddressProblem } from "./peer-address";
import type { PeerAddress } from "./peer-address";
import { CLUSTER_PEERS_MAX, OBSERVED_STATUSES } from "./types";
import { CLUSTER_ID_PATTERN } from "./validate-command";
import type { VmRecord } from "./types";

/** Version 2 added `peers`; a version 1 image (no peers) still restores. */
export const CLUSTER_IMAGE_VERSION = 2;
const CLUSTER_IMAGE_VERSIONS_READ = [1, CLUSTER_IMAGE_VERSION];

/** The module's JSON image: records in sorted order, derived indexes left out. */
export interface ClusterImage {
  readonly version: number;
  readonly lastGeneration: number;
  readonly roundRobinCursor: string | null;
  readonly hosts: readonly HostRecord[];
  readonly vms: readonly VmRecord[];
  /** Sorted by node id. */
  readonly peers: readonly PeerAddress[];
}

export function imageOf(state: ClusterState): ClusterImage {
  return {
    version: CLUSTER_IMAGE_VERSION,
    lastGeneration: state.lastGeneration,
    roundRobinCursor: state.roundRobinCursor,
    hosts: state.sortedHosts(),
    vms: state.sortedVms(),
    peers: state.sortedPeers(),
  };
}

function bad(detail: string): never {
  throw new InvariantViolation("cluster-image", detail);
}

/** Rebuild state from an image; throws InvariantViolation for a malformed or unsafe one. */
export function stateFromImage(image: unknown): ClusterState {
  const img = image as Partial<ClusterImage> | null;
  if (typeof img !== "object" || img === null || !CLUSTER_IMAGE_VERSIONS_READ.includes(img.version as number)) {
    bad(`expected an image of version ${CLUSTER_IMAGE_VERSIONS_READ.join(" or ")}`);
  }
  if (!Array.isArray(img.hosts) || !Array.isArray(img.vms)) bad("hosts and vms must be lists");
  if (!Number.isSafeInteger(img.lastGeneration) || (img.lastGeneration as number) < 0) bad("lastGeneration must be a non-negative integer");
  const state = new ClusterState();
  state.lastGeneration = img.lastGeneration as number;
  state.roundRobinCursor = typeof img.roundRobinCursor === "string" ? img.roundRobinCursor : null;
  img.hosts.forEach((h: HostRecord, i) => {
    if (typeof h?.id !== "string" || !HOST_STATUSES.includes(h.status) || typeof h.capacity !== "object" || !Array.isArray(h.features)) bad(`host ${i} is malformed`);
    if (state.hosts.has(h.id)) bad(`host ${h.id} appears twice`);
    // Images written before lastHeartbeatIndex existed hold none.
    const lastHeartbeatIndex = h.lastHeartbeatIndex ?? 0;
    if (!Number.isSafeInteger(lastHeartbeatIndex) || lastHeartbeatIndex < 0) bad(`host ${h.id} has a malformed lastHeartbeatIndex`);
    state.putHost({ ...h, lastHeartbeatIndex });
  });
  img.vms.forEach((vm: VmRecord, i) => {
    const spec = validateVmSpec(vm?.spec);
    if (!spec.ok) bad(`VM ${i} has an invalid spec: ${spec.error.message}`);
    if (!OBSERVED_STATUSES.includes(vm.status) || !Array.isArray(vm.history) || !Number.isSafeInteger(vm.generation)) bad(`VM ${spec.value.name} is malformed`);
    if (state.vms.has(spec.value.name)) bad(`VM ${spec.value.name} appears twice`);
    // Images written before lastReportBasedOn existed hold none: no report counted yet.
    const lastReportBasedOn = vm.lastReportBasedOn ?? 0;
    if (!Number.isSafeInteger(lastReportBasedOn) || lastReportBasedOn < 0) bad(`VM ${spec.value.name} has a malformed lastReportBasedOn`);
    state.putVm(spec.value.name, { ...vm, spec: spec.value, lastReportBasedOn });
  });
  restorePeers(state, img.version === 1 ? [] : img.peers);
  const violations = clusterInvariantViolations(state);
  if (violations.length > 0) bad(violations.join("; "));
  return state;
}

function restorePeers(state: ClusterState, peers: unknown): void {
  if (!Array.isArray(peers)) bad("peers must be a list");
  if (peers.length > CLUSTER_PEERS_MAX) bad(`peers lists ${peers.length} addresses, more than ${CLUSTER_PEERS_MAX}`);
  peers.forEach((p: PeerAddress, i) => {
    if (typeof p?.nodeId !== "string" || !CLUSTER_ID_PATTERN.test(p.nodeId) || p.nodeId.length > VM_NAME_LENGTH_MAX) bad(`peer ${i} has a malformed node id`);
    const problem = typeof p.address === "string" ? peerAddressProblem(p.address) : "must be a string";
    if (problem !== null) bad(`peer ${p.nodeId}: address ${problem}`);
    if (state.peers.has(p.nodeId)) bad(`peer ${p.nodeId} appears twice`);
    state.peers.set(p.nodeId, p.address);
  });
}
