import type { HostRecord, HostStatus } from "../../vm/host";
import type { Resources, VmSpec } from "../../vm/spec";

export const clusterModuleName = "cluster";

/** Bounds on the cluster module's state and commands. */
export const CLUSTER_HOSTS_MAX = 65_536;
/** Peer addresses share the hosts' bound: one node, one host, one address. */
export const CLUSTER_PEERS_MAX = CLUSTER_HOSTS_MAX;
export const CLUSTER_VMS_MAX = 1_048_576;
export const VM_STATUS_HISTORY_MAX = 32;
export const HOST_ADDRESS_LENGTH_MAX = 256;
export const HOST_FEATURES_MAX = 64;
export const HOST_VCPUS_MAX = 4096;
export const HOST_MEMORY_MIB_MAX = 1 << 30;
export const HOST_DISK_GIB_MAX = 1 << 30;
export const STATUS_DETAIL_LENGTH_MAX = 4096;
export const REASON_LENGTH_MAX = 512;

export type DesiredState = "running" | "stopped" | "deleted";
export const OBSERVED_STATUSES = ["pending", "scheduled", "starting", "running", "stopping", "stopped", "failed"] as const;
export type VmStatus = (typeof OBSERVED_STATUSES)[number];

export interface Placement {
  readonly hostId: string;
  /** Unique across the cluster's history, so a report from an old incarnation never matches a new one. */
  readonly generation: number;
}

/** A move the owner must carry out by stopping the VM first (cold). */
export type PendingMove =
  | { readonly kind: "evict"; readonly reason: string }
  | { readonly kind: "migrate"; readonly targetHostId: string };

export interface StatusTransition {
  readonly index: number;
  readonly atMs: number;
  readonly from: VmStatus;
  readonly to: VmStatus;
  readonly reason: string;
}

export interface VmRecord {
  readonly spec: VmSpec;
  readonly desired: DesiredState;
  readonly status: VmStatus;
  readonly placement: Placement | null;
  /** Generation of the latest placement, 0 if never placed. */
  readonly generation: number;
  /** Why the VM is not placed (scheduler or apply-time rejection), null when placed. */
  readonly pendingReason: string | null;
  readonly move: PendingMove | null;
  /** Latest detail (output tail) and exit code reported by the owner. */
  readonly detail: string | null;
  readonly exitCode: number | null;
  readonly createdAtIndex: number;
  /**
   * The Raft index the owner had applied when it sent the last status report
   * this placement accepted (0: none yet). A report based on less is older
   * than one already counted, a replayed or long-delayed message, and is
   * ignored: an old "failed" must never vacate a VM its host has restarted.
   */
  readonly lastReportBasedOn: number;
  /** Oldest first, at most VM_STATUS_HISTORY_MAX. */
  readonly history: readonly StatusTransition[];
}

export type ClusterCommand =
  | {
      readonly type: "register-host";
      readonly hostId: string;
      readonly address: string;
      readonly capacity: Resources;
      readonly features: readonly string[];
    }
  | { readonly type: "host-heartbeat"; readonly hostId: string; readonly atMs: number }
  | { readonly type: "set-host-status"; readonly hostId: string; readonly status: HostStatus }
  | { readonly type: "cordon" | "uncordon" | "drain"; readonly hostId: string }
  /** From now on, reach node `nodeId`'s Raft endpoint at `address` (ws:// or wss://). */
  | { readonly type: "set-peer-address"; readonly nodeId: string; readonly address: string }
  | { readonly type: "create-vm"; readonly spec: VmSpec; readonly desired: "running" | "stopped" }
  /** Replace the spec of VM `spec.name`; its owner restarts it if what it launches changed (apply-update.ts). */
  | { readonly type: "update-vm"; readonly spec: VmSpec }
  | { readonly type: "set-desired"; readonly vmName: string; readonly desired: DesiredState }
  | { readonly type: "place-vm"; readonly vmName: string; readonly hostId: string; readonly expectedGeneration: number }
  /** The scheduler found no host: the reason is kept in the state for `vm status`. */
  | { readonly type: "set-pending-reason"; readonly vmName: string; readonly generation: number; readonly reason: string }
  | { readonly type: "evict-vm"; readonly vmName: string; readonly reason: string }
  | {
      readonly type: "unplace-vm";
      readonly vmName: string;
      readonly hostId: string;
      readonly generation: number;
      readonly reason: string;
      /** The host's lastHeartbeatIndex when the leader decided to fence it; a later heartbeat voids the decision. Absent in entries from before this field. */
      readonly heartbeatIndex?: number;
    }
  | { readonly type: "migrate-vm"; readonly vmName: string; readonly targetHostId: string }
  | {
      readonly type: "report-vm-status";
      readonly hostId: string;
      readonly vmName: string;
      readonly generation: number;
      readonly observed: VmStatus;
      readonly detail: string | null;
      readonly exitCode: number | null;
      /** The reporting host's applied index when it made this report (0 in reports from before this field). */
      readonly basedOnIndex: number;
    };

export type ClusterCommandType = ClusterCommand["type"];

/** A command that took effect, or one deliberately ignored (stale, duplicate) with the reason. */
export interface ClusterApplied {
  readonly command: ClusterCommandType;
  readonly effect: "applied" | "ignored";
  readonly detail: string;
}

export type { HostRecord };
