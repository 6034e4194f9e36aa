import type { Entry, NodeId } from "../raft/log-types";

/**
 * Hooks through which a simulator's checkers watch a node's Raft state change,
 * and through which a real node's runtime counts what it does (metrics). Called
 * synchronously at the moment the change becomes durable or visible, so safety
 * properties are checked after every event, not at the end of a run. Durations
 * are on the node's monotonic clock, measured only for an observer that has
 * the hook (a hot path pays nothing for hooks nobody set). Core observes;
 * turning observations into metrics is the runtime's business.
 */
export interface NodeObserver {
  /** Entries just made durable in this node's log (after truncating from entries[0].index). */
  entriesPersisted?(nodeId: NodeId, entries: readonly Entry[], log: RaftLogView): void;
  /** A snapshot was installed from the leader (log up to index replaced). */
  snapshotInstalled?(nodeId: NodeId, index: number, term: number): void;
  /** An entry was applied to this node's state machine; `stateDigest` is the rolling digest after it. */
  entryApplied?(nodeId: NodeId, entry: Entry, stateDigest: string): void;
  /** This node's role or term changed. */
  roleChanged?(nodeId: NodeId, role: string, term: number, leaderId: NodeId | null, log: RaftLogView): void;
  /** The node refused to start (corrupt storage) or stopped serving. */
  nodeFailed?(nodeId: NodeId, code: string, message: string): void;
  /** The leader appended a proposal to its log: a client's write, the node's own command, or a membership change. */
  proposed?(nodeId: NodeId, kind: ProposalKind): void;
  /** One Ready's committed entries were applied to the state machine. */
  entriesApplied?(nodeId: NodeId, count: number, durationMs: number): void;
  /**
   * A client's own request (not a peer's forward) was answered: its operation
   * (`kv.put`, `cluster.create-vm`...), its outcome (`ok` or the error code)
   * and how long the node held it.
   */
  clientRequestAnswered?(nodeId: NodeId, operation: string, outcome: string, durationMs: number): void;
  /** This node snapshotted its state machine and compacted its log. */
  snapshotTaken?(nodeId: NodeId, index: number, bytes: number, durationMs: number): void;
  /** A snapshot from the leader replaced this node's state (after snapshotInstalled). */
  snapshotRestored?(nodeId: NodeId, index: number, bytes: number, durationMs: number): void;
}

export type ProposalKind = "client" | "internal" | "membership";

/** A read-only look at a node's Raft log for checkers. */
export interface RaftLogView {
  /** First index still held in the log (entries before it are compacted into the snapshot). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term of the entry at index, or undefined when compacted or past the end. */
  termAt(index: number): number | undefined;
}
