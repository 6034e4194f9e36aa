import type { Entry, NodeId } from "../raft/log-types";

/**
 * Hooks through which a simulator's checkers watch a node's Raft state change.
 * Called synchronously at the moment the change becomes durable or visible, so
 * safety properties are checked after every event, not at the end of a run.
 * A real node runs with no observer.
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
}

/** A read-only look at a node's Raft log for checkers. */
export interface RaftLogView {
  /** First index still held in the log (entries before it are compacted into the snapshot). */
  firstIndex(): number;
  lastIndex(): number;
  /** Term of the entry at index, or undefined when compacted or past the end. */
  termAt(index: number): number | undefined;
}
