import type { RandomSource } from "../ports/random";
import type { LeaseReadConfig } from "./read-lease";
import type { ClusterConfig, Entry, HardState, NodeId, Snapshot } from "./log-types";
import type { RaftMessage } from "./messages";

export interface RaftConfig {
  id: NodeId;
  /** Base election timeout; each timeout is drawn uniformly from [base, 2*base) using `random`. */
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Batching bound: entries per AppendEntries message. */
  maxEntriesPerAppend: number;
  /** Batching bound: summed entry data length per AppendEntries (at least one entry is always sent). */
  maxBytesPerAppend: number;
  /** Pipelining window: unacknowledged appends in flight per follower. */
  maxInflightAppends: number;
  /** Proposals beyond this many uncommitted entries are rejected with "proposal-backpressure". */
  maxUncommittedEntries: number;
  /** Chunk size for InstallSnapshot, in UTF-16 code units of Snapshot.data. */
  snapshotChunkBytes: number;
  /** The only randomness raft uses. */
  random: RandomSource;
  /** Lease reads (read-lease.ts), or null for ReadIndex only. */
  leaseReads: LeaseReadConfig | null;
  /**
   * Refuse votes for an election timeout after every start, as a node with
   * lease reads does, without reading under a lease itself: a node may have
   * acknowledged another node's lease before it went down, so with this set a
   * cluster whose nodes disagree on the read mode stays safe. Nodes set it
   * always; bare raft tests leave it off for quick elections.
   */
  voteBlackoutAfterStart?: boolean;
}

export interface RaftInitialState {
  hardState: HardState;
  /** Latest durable snapshot, if any; the state machine has been restored from it. */
  snapshot: Snapshot | null;
  /** Durable log entries after the snapshot, contiguous. */
  entries: Entry[];
  /** Used only when there is no snapshot and no config entry in the log. */
  bootstrapConfig: ClusterConfig;
  /** Highest index the state machine already holds (defaults to the snapshot index). */
  appliedIndex?: number;
}

export type RaftRole = "follower" | "pre-candidate" | "candidate" | "leader" | "learner";

export interface SoftState {
  readonly leaderId: NodeId | null;
  readonly role: RaftRole;
  readonly term: number;
}

/** A confirmed linearizable read: answer it once the state machine has applied `index`. */
export interface ReadState {
  readonly requestId: string;
  readonly index: number;
}

/**
 * One batch of work for the driver. Ordering contract, in this order:
 *  1. Persist durably (fsync): `snapshotToPersist` (then discard the log up to
 *     it), `entriesToPersist` (first truncating the persisted log from
 *     entriesToPersist[0].index if that is not past the last persisted index),
 *     then `hardState`.
 *  2. Only then send `messages`: vote grants and append acks promise that this
 *     node's state is durable, and the leader counts its own log as replicated
 *     as soon as it appends (safe only because it is durable before any
 *     message of this Ready leaves).
 *  3. Restore the state machine from `snapshotToPersist` (if any), then apply
 *     `committedEntries` in order.
 *  4. Answer `readStates` once the applied index reaches each one's index.
 *  5. Call `advance(ready)` before asking for the next Ready.
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly entriesToPersist: Entry[];
  readonly snapshotToPersist: Snapshot | null;
  readonly committedEntries: Entry[];
  readonly messages: RaftMessage[];
  readonly readStates: readonly ReadState[];
  /** Non-null when leader, role or term changed since the last Ready. */
  readonly softState: SoftState | null;
}

export type ProgressState = "probe" | "replicate" | "snapshot";

export interface PeerProgress {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflightAppends: number;
  readonly recentActive: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly role: RaftRole;
  readonly leaderId: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly firstIndex: number;
  readonly config: ClusterConfig;
  /** Index of the config entry that made `config` (0: bootstrap); the same on every node. */
  readonly configIndex: number;
  readonly votedFor: NodeId | null;
  readonly leadTransferee: NodeId | null;
  /** Per peer (sorted by id), only on the leader. */
  readonly progress?: Readonly<Record<NodeId, PeerProgress>>;
}
