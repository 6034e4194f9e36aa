import type { NodeId } from "../raft/log-types";

/** The linearizable read paths a node offers (see NodeConfig.readMode). */
export const NODE_READ_MODES = ["read-index", "lease"] as const;
export type NodeReadMode = (typeof NODE_READ_MODES)[number];

/** Tunables of one Blixard node. Every bound carries its unit. */
export interface NodeConfig {
  readonly nodeId: NodeId;
  /** Voters the cluster starts with when the node has no durable state yet. */
  readonly bootstrapVoters: readonly NodeId[];
  /** Learners the cluster starts with (optional). */
  readonly bootstrapLearners?: readonly NodeId[];
  /** Length of one Raft tick on this node's monotonic clock. */
  readonly tickIntervalMs: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly maxEntriesPerAppend: number;
  readonly maxBytesPerAppend: number;
  readonly maxInflightAppends: number;
  readonly maxUncommittedEntries: number;
  readonly snapshotChunkBytes: number;
  /**
   * Take a state-machine snapshot and compact once this many entries were
   * applied since the last one (etcd: 100,000). Each snapshot encodes the
   * whole state and writes it, so too small a value costs I/O and makes
   * lagging followers receive whole snapshots.
   */
  readonly snapshotThresholdEntries: number;
  /**
   * Entries the log keeps below each new snapshot (etcd's
   * SnapshotCatchUpEntries: 5,000), so a follower that is only this far
   * behind catches up from the log instead of receiving the snapshot.
   */
  readonly snapshotCatchUpEntries: number;
  /** Client requests (own and forwarded) waiting for commit or read confirmation, at most. */
  readonly maxPendingRequests: number;
  /**
   * Requests one client may have pending on this node, at most; past it the
   * node answers `overloaded` at once (no proposal, no disk). Forwards from
   * peers are bounded by maxPendingRequests only: the forwarding follower
   * applies this limit to its own clients.
   */
  readonly maxPendingRequestsPerClient: number;
  /** A pending request not answered within this time is failed with "timeout" (the client may retry). */
  readonly requestTimeoutMs: number;
  /** Wire messages larger than this are rejected before decoding. */
  readonly maxMessageBytes: number;
  /**
   * "read-index": every linearizable read costs the leader one heartbeat round.
   * "lease": the leader answers alone while a quorum's recent acknowledgement
   * holds (raft/read-lease.ts), which is safe only while clocks run apart by
   * at most maxClockDriftPpm. Every node of a cluster must use the same mode.
   */
  readonly readMode: NodeReadMode;
  /** The clock-rate bound lease reads (and the controllers' fencing) rely on, in parts per million. */
  readonly maxClockDriftPpm: number;
}

export function defaultNodeConfig(nodeId: NodeId, bootstrapVoters: readonly NodeId[]): NodeConfig {
  return {
    nodeId,
    bootstrapVoters,
    tickIntervalMs: 50,
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: 2,
    maxEntriesPerAppend: 64,
    maxBytesPerAppend: 1024 * 1024,
    maxInflightAppends: 8,
    maxUncommittedEntries: 4096,
    snapshotChunkBytes: 64 * 1024,
    snapshotThresholdEntries: 100_000,
    snapshotCatchUpEntries: 5_000,
    maxPendingRequests: 4096,
    maxPendingRequestsPerClient: 256,
    requestTimeoutMs: 3000,
    maxMessageBytes: 8 * 1024 * 1024,
    readMode: "read-index",
    maxClockDriftPpm: 1000,
  };
}
