import { err, ok, type BlixardError, type Result } from "../errors";
import type { ClientOp, ClientOpHandler } from "../protocol/client-ops";
import type { ClientError } from "../protocol/client-errors";
import { checkOnlyFields, readObject, readString } from "../protocol/fields";
import { invalidRequest } from "../protocol/client-errors";
import type { ClusterConfig, NodeId } from "../raft/log-types";
import type { ProgressState, RaftRole, RaftStatus } from "../raft/types";

/**
 * `{ module: "node", command: { type: "status" } }`: what one node knows about
 * itself, answered by the node that receives it — never forwarded, never
 * through ReadIndex, and also while the node refuses to serve (a failed node
 * says why). It is a local, possibly stale view: an operator's dashboard, not
 * a linearizable read.
 */
export const nodeOpsModuleName = "node";

export interface NodeStatusCommand {
  readonly type: "status";
}

export interface PeerProgressView {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
}

export interface NodeStatusView {
  readonly nodeId: NodeId;
  /** "starting" | "serving" | "failed" | "stopped". */
  readonly health: string;
  /** Why the node refuses to serve (storage-corrupt, a disk that failed), or null. */
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** Null when Raft never started (the node refused at start). */
  readonly role: RaftRole | null;
  readonly term: number | null;
  readonly leaderId: NodeId | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
  /** First index still in the log; everything before it lives in the snapshot. */
  readonly firstIndex: number | null;
  readonly config: ClusterConfig | null;
  /** Index of the config entry that made `config` (0: bootstrap); what a conditional membership change names. */
  readonly configIndex: number | null;
  /** Client requests this node holds unanswered (own proposals, reads, forwards). */
  readonly pendingRequests: number;
  /** On the leader only: each peer's replication progress, by id (sorted). */
  readonly progress: Readonly<Record<NodeId, PeerProgressView>> | null;
}

export function isNodeStatusOp(op: ClientOp): boolean {
  return op.module === nodeOpsModuleName;
}

/** What the node hands over to build its status. */
export interface NodeStatusInput {
  readonly nodeId: NodeId;
  readonly health: string;
  readonly failure: BlixardError | null;
  readonly raft: RaftStatus | null;
  /** The state machine's applied index (authoritative for what clients can read here). */
  readonly appliedIndex: number;
  readonly pendingRequests: number;
}

export function buildNodeStatus(input: NodeStatusInput): NodeStatusView {
  const raft = input.raft;
  let progress: Record<NodeId, PeerProgressView> | null = null;
  if (raft?.progress !== undefined) {
    progress = {};
    for (const id of Object.keys(raft.progress).sort()) {
      const pr = raft.progress[id];
      if (pr !== undefined) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
  }
  return {
    nodeId: input.nodeId,
    health: input.health,
    failure: input.failure === null ? null : { code: input.failure.code, message: input.failure.message },
    role: raft?.role ?? null,
    term: raft?.term ?? null,
    leaderId: raft?.leaderId ?? null,
    commitIndex: raft?.commitIndex ?? null,
    appliedIndex: raft === null ? null : input.appliedIndex,
    lastIndex: raft?.lastIndex ?? null,
    firstIndex: raft?.firstIndex ?? null,
    config: raft?.config ?? null,
    configIndex: raft?.configIndex ?? null,
    pendingRequests: input.pendingRequests,
    progress,
  };
}

function validateNodeCommand(command: unknown, field: string): Result<NodeStatusCommand, ClientError> {
  const obj = readObject(command, field);
  if (!obj.ok) return obj;
  const only = checkOnlyFields(obj.value, ["type"], field);
  if (!only.ok) return only;
  const type = readString(obj.value, "type", field);
  if (!type.ok) return type;
  if (type.value !== "status") return err(invalidRequest(`${field}.type`, `${field}.type "${type.value.slice(0, 64)}" is not a node command; the only one is "status"`));
  return ok({ type: "status" });
}

/** Registered in client-ops: read-only, so clients send it without a session seq. */
export const nodeClientOps: ClientOpHandler = {
  module: nodeOpsModuleName,
  validate: (command, field) => validateNodeCommand(command, field),
  isReadOnly: () => true,
};
