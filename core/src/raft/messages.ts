import type { Entry, NodeId, SnapshotMeta } from "./log-types";

/**
 * Peer-to-peer Raft messages. Every message is a plain JSON-able object: no
 * Map, no class instance, no optional fields (absent values are `null` or 0),
 * so `parseRaftMessage(JSON.parse(JSON.stringify(m)))` gives back `m`.
 *
 * `term` is always the sender's term, except for pre-vote requests (the term
 * the sender would campaign in) and granted pre-vote responses (echo of it).
 */
interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** Pre-vote (thesis §9.6) and vote (§5.2) requests share a shape. */
export interface VoteRequest extends MessageBase {
  readonly type: "pre-vote" | "vote";
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the campaign was started by TimeoutNow: voters skip the leader-lease check. */
  readonly leadershipTransfer: boolean;
}

export interface VoteResponse extends MessageBase {
  readonly type: "pre-vote-response" | "vote-response";
  readonly granted: boolean;
}

export interface AppendRequest extends MessageBase {
  readonly type: "append";
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  /** Leader's commit index. */
  readonly commit: number;
  /**
   * The leader's latest heartbeat round when this left, echoed in the
   * response: an acknowledged append renews the read lease like a heartbeat
   * (it resets the follower's election timer too), so a streaming follower
   * needs no separate heartbeats (read-lease.ts, replication.ts).
   */
  readonly round: number;
  /** Contiguous, starting at prevLogIndex + 1; may be empty. */
  readonly entries: readonly Entry[];
}

export interface AppendResponse extends MessageBase {
  readonly type: "append-response";
  readonly success: boolean;
  /** On success: the follower's log matches the leader's up to here. 0 on rejection. */
  readonly matchIndex: number;
  /** On rejection: the prevLogIndex that did not match. 0 on success. */
  readonly rejectIndex: number;
  /** On rejection: the follower's guess at the last index that may match (fast backtracking). */
  readonly hintIndex: number;
  /** On rejection: the follower's term at hintIndex (0 if unknown). */
  readonly hintTerm: number;
  /** The round of the append this answers; 0 when it answers none of the receiver's term (a stale-term reply). */
  readonly round: number;
}

export interface HeartbeatRequest extends MessageBase {
  readonly type: "heartbeat";
  /** min(leader commit, follower match): never past what the follower is known to hold. */
  readonly commit: number;
  /** ReadIndex request id whose leadership confirmation this heartbeat carries, or null. */
  readonly context: string | null;
  /** The leader's heartbeat round number (> 0), echoed back: lets the leader time its read lease. */
  readonly round: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: "heartbeat-response";
  readonly context: string | null;
  /** The round of the heartbeat this answers. */
  readonly round: number;
}

/** One chunk of a snapshot image (InstallSnapshot with offset/done). */
export interface SnapshotChunk extends MessageBase {
  readonly type: "snapshot";
  readonly meta: SnapshotMeta;
  /** Offset of `data` within the whole image, in UTF-16 code units. */
  readonly offset: number;
  /** Length of the whole image, in UTF-16 code units. */
  readonly totalBytes: number;
  readonly data: string;
  readonly done: boolean;
}

export interface SnapshotChunkResponse extends MessageBase {
  readonly type: "snapshot-response";
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  /** The offset the follower expects next (what it has assembled so far). */
  readonly nextOffset: number;
  /** False when the chunk was out of order or for another snapshot; the leader resends from nextOffset. */
  readonly accepted: boolean;
}

/** Leadership transfer: the target campaigns at once, skipping pre-vote and the lease. */
export interface TimeoutNow extends MessageBase {
  readonly type: "timeout-now";
}

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotChunk
  | SnapshotChunkResponse
  | TimeoutNow;

export type RaftMessageType = RaftMessage["type"];

export const raftMessageTypes: readonly RaftMessageType[] = [
  "pre-vote",
  "pre-vote-response",
  "vote",
  "vote-response",
  "append",
  "append-response",
  "heartbeat",
  "heartbeat-response",
  "snapshot",
  "snapshot-response",
  "timeout-now",
];

/** Wire bounds, enforced by parseRaftMessage and by RaftConfig validation. */
export const maxEntriesPerMessage = 4096;
export const maxEntryDataBytes = 2 * 1_048_576;
export const maxSnapshotChunkBytes = 4_194_304;
export const maxSnapshotBytes = 268_435_456;
export const maxNodeIdBytes = 128;
export const maxReadContextBytes = 256;
export const maxClusterMembers = 64;

/** Messages a leader sends to followers; accepted from any sender whose term is current. */
export function isLeaderMessage(m: RaftMessage): m is AppendRequest | HeartbeatRequest | SnapshotChunk | TimeoutNow {
  return m.type === "append" || m.type === "heartbeat" || m.type === "snapshot" || m.type === "timeout-now";
}
