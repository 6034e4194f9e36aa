/**
 * Log, hard-state and snapshot shapes shared by raft/, storage/ and node/.
 * Indexes and terms start at 1; index 0 / term 0 mean "nothing".
 */
export type NodeId = string;

export type EntryKind = "normal" | "config" | "noop";

/** Every entry kind. The order is part of the binary wire and storage layouts (a kind is stored as its position). */
export const ENTRY_KINDS: readonly EntryKind[] = ["normal", "config", "noop"];

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  /** Opaque payload: an encoded state-machine command, or an encoded config change. */
  readonly data: string;
}

/** What must be durable before a vote or an append ack leaves the node. */
export interface HardState {
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly commit: number;
}

/** Voters and learners. `votersOutgoing` is non-empty only inside a joint configuration. */
export interface ClusterConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly config: ClusterConfig;
  /**
   * Index of the config entry that made `config` (0: the bootstrap
   * configuration). It names the configuration the same way on every node,
   * before and after compaction, so membership changes can be conditional on it.
   */
  readonly configIndex: number;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** Encoded state-machine image at `meta.index`. */
  readonly data: string;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, votedFor: null, commit: 0 };
