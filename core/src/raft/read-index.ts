import { blixardError, err, ok, type Result } from "../errors";
import { notLeader } from "./errors-raft";
import type { NodeId } from "./log-types";
import { maxReadContextBytes } from "./messages";
import { hasQuorum } from "./quorum";
import { maxPendingReads, type RaftCore } from "./raft-core";
import { leaseValid } from "./read-lease";
import { sendHeartbeats } from "./replication";

/**
 * Linearizable reads (thesis §6.4): record the commit index, confirm we are
 * still leader with a heartbeat round acknowledged by a quorum, then release
 * a ReadState at that index. A fresh leader does not know the latest commit
 * index until it commits an entry of its own term, so reads wait for that.
 */
export function readIndex(r: RaftCore, requestId: string): Result<void> {
  if (r.role !== "leader") return err(notLeader(r));
  if (requestId.length === 0 || requestId.length > maxReadContextBytes) {
    return err(blixardError("invalid-read-request", `read request id must be 1..${maxReadContextBytes} characters`, { nodeId: r.id }));
  }
  if (r.reads.has(requestId) || r.readsAwaitingCommit.includes(requestId)) {
    return err(blixardError("duplicate-read-request", `read request ${requestId} is already pending on ${r.id}`, { nodeId: r.id }));
  }
  if (r.reads.size() + r.readsAwaitingCommit.length >= maxPendingReads) {
    return err(
      blixardError("read-backpressure", `node ${r.id} has ${maxPendingReads} reads awaiting confirmation`, {
        nodeId: r.id,
        hint: "retry after pending reads complete",
      }),
    );
  }
  if (!r.committedInCurrentTerm()) {
    r.readsAwaitingCommit.push(requestId);
    return ok(undefined);
  }
  if (leaseValid(r)) {
    r.readStates.push({ requestId, index: r.log.committed });
    return ok(undefined);
  }
  startReads(r, [requestId]);
  return ok(undefined);
}

/** Queue reads at the current commit index; one heartbeat round (carrying the latest id) confirms them all. */
function startReads(r: RaftCore, requestIds: readonly string[]): void {
  if (requestIds.length === 0) return;
  if (hasQuorum(r.config, new Set([r.id]))) {
    for (const requestId of requestIds) r.readStates.push({ requestId, index: r.log.committed });
    return;
  }
  for (const requestId of requestIds) r.reads.add(requestId, r.log.committed, r.id);
  sendHeartbeats(r, requestIds[requestIds.length - 1] ?? null);
}

/** A heartbeat response echoing `requestId`: count it, release once a quorum confirmed. */
export function acknowledgeRead(r: RaftCore, requestId: string, from: NodeId): void {
  const acks = r.reads.ack(requestId, from);
  if (acks !== undefined && hasQuorum(r.config, acks)) r.readStates.push(...r.reads.releaseThrough(requestId));
}

export function releaseReadsAwaitingCommit(r: RaftCore): void {
  if (r.readsAwaitingCommit.length === 0 || !r.committedInCurrentTerm()) return;
  const waiting = r.readsAwaitingCommit;
  r.readsAwaitingCommit = [];
  startReads(r, waiting);
}
