import { blixardError, err, ok, type Result } from "../errors";
import type { EntryKind, NodeId } from "./log-types";
import type { AppendRequest, AppendResponse, HeartbeatRequest, HeartbeatResponse } from "./messages";
import { onCommitAdvanced, recomputeConfig, sendTimeoutNowIfCaughtUp } from "./membership";
import { quorumMatchIndex } from "./quorum";
import type { RaftCore } from "./raft-core";
import { acknowledgeRead } from "./read-index";
import { recordLeaseAck, startHeartbeatRound } from "./read-lease";
import { startSnapshotTransfer } from "./snapshot-transfer";

/** Leader: append one entry of the current term. Followers hear of it at the next Ready (batching). */
export function leaderAppend(r: RaftCore, kind: EntryKind, data: string): { index: number; term: number } {
  const index = r.log.lastIndex() + 1;
  r.log.append([{ index, term: r.term, kind, data }]);
  r.broadcastPending = true;
  maybeCommit(r);
  return { index, term: r.term };
}

/**
 * Send the next batch to `to` if its flow-control window allows: at most
 * maxEntriesPerAppend entries and maxBytesPerAppend bytes (at least one
 * entry). Falls back to a snapshot when the entries were compacted away.
 * Returns whether a message was sent.
 */
export function maybeSendAppend(r: RaftCore, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevLogIndex = pr.next - 1;
  const prevLogTerm = r.log.term(prevLogIndex);
  if (prevLogTerm === undefined) {
    startSnapshotTransfer(r, to, pr);
    return false;
  }
  const entries = r.log.slice(pr.next, r.cfg.maxEntriesPerAppend, r.cfg.maxBytesPerAppend);
  if (entries.length === 0 && !sendIfEmpty) return false;
  const commit = r.log.committed;
  const round = r.heartbeatRound;
  r.send({ type: "append", from: r.id, to, term: r.term, prevLogIndex, prevLogTerm, commit, round, entries });
  pr.sentAppend(prevLogIndex + entries.length, entries.length);
  if (commit > pr.sentCommit) pr.sentCommit = commit;
  pr.appendRound = round;
  return true;
}

export function broadcastAppend(r: RaftCore): void {
  r.broadcastPending = false;
  for (const id of r.progress.keys()) maybeSendAppend(r, id, true);
}

/**
 * Heartbeats carry commit only up to what each follower is known to hold,
 * plus an optional ReadIndex context.
 *
 * A follower that was sent an append since the previous round needs no
 * heartbeat in this one: the append reset its election timer, and its ack
 * echoes the round it carried, renewing the read lease and check-quorum's
 * activity mark just as a heartbeat's would. It still gets one when the round
 * carries a ReadIndex context or when its pipeline is stalled (a heartbeat's
 * answer is what lets one more append out). So a follower hears from the
 * leader at least every second heartbeat interval, well inside an election
 * timeout (raft-config.ts), and an idle one learns the commit index from the
 * heartbeat after next at the latest.
 */
export function sendHeartbeats(r: RaftCore, context: string | null): void {
  const previous = r.heartbeatRound;
  const round = startHeartbeatRound(r);
  for (const [to, pr] of r.progress) {
    if (context === null && previous > 0 && pr.appendRound === previous && pr.state === "replicate" && !pr.isPaused()) {
      continue;
    }
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: "heartbeat", from: r.id, to, term: r.term, commit, context, round });
    if (commit > pr.sentCommit) pr.sentCommit = commit;
  }
}

/**
 * Advance the commit index to the highest index a quorum holds, but only if
 * that entry is from the current term (§5.4.2, Figure 8): older entries are
 * committed indirectly, never by counting their replicas.
 *
 * Followers learn the new commit index lazily: it rides on the next append
 * (under load, a few ms away) and `sendDueCommits` at the next leader tick
 * covers an idle leader. An eager broadcast would cost every write a second
 * round of appends and acks for nothing a client waits on.
 */
export function maybeCommit(r: RaftCore): boolean {
  const index = quorumMatchIndex(r.config, (id) => r.matchOf(id));
  if (index <= r.log.committed || r.log.term(index) !== r.term) return false;
  r.log.commitTo(index);
  onCommitAdvanced(r);
  return true;
}

/** Leader tick: tell each follower that has not yet heard of the current commit index. */
export function sendDueCommits(r: RaftCore): void {
  for (const [to, pr] of r.progress) {
    if (pr.sentCommit < r.log.committed && pr.match > pr.sentCommit) maybeSendAppend(r, to, true);
  }
}

export function handleAppendResponse(r: RaftCore, m: AppendResponse): Result<void> {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return ok(undefined);
  pr.recentActive = true;
  // Accepted or not, the append reached the follower in our term and reset its election timer.
  recordLeaseAck(r, m.from, m.round);
  if (!m.success) {
    // Fast backtracking: skip every entry of a term the follower cannot hold.
    const hintIndex = Math.min(m.hintIndex, r.log.lastIndex());
    const probeFrom = m.hintTerm > 0 ? r.log.findConflictByTerm(hintIndex, m.hintTerm).index : hintIndex;
    if (pr.maybeDecrTo(m.rejectIndex, probeFrom)) {
      if (pr.state === "replicate") pr.becomeProbe();
      maybeSendAppend(r, m.from, true);
    }
    return ok(undefined);
  }
  if (m.matchIndex > r.log.lastIndex()) {
    return err(
      blixardError("invalid-append-ack", `${m.from} acked index ${m.matchIndex} beyond leader ${r.id}'s last index ${r.log.lastIndex()}`, {
        nodeId: r.id,
      }),
    );
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.matchIndex)) return ok(undefined);
  if (pr.state === "probe") pr.becomeReplicate();
  else if (pr.state === "snapshot" && pr.match + 1 >= r.log.firstIndex()) {
    pr.becomeProbe();
    pr.becomeReplicate();
  }
  // A paused follower missed the last commit broadcast: an (empty) append tells it.
  if (!maybeCommit(r) && wasPaused) maybeSendAppend(r, m.from, true);
  // Refill the pipeline: bounded by the inflight window.
  while (maybeSendAppend(r, m.from, false)) {
    /* keep sending */
  }
  sendTimeoutNowIfCaughtUp(r, m.from);
  return ok(undefined);
}

export function handleHeartbeatResponse(r: RaftCore, m: HeartbeatResponse): Result<void> {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return ok(undefined);
  pr.recentActive = true;
  pr.onHeartbeatResponse();
  recordLeaseAck(r, m.from, m.round);
  if (pr.match < r.log.lastIndex()) maybeSendAppend(r, m.from, true);
  if (m.context !== null) acknowledgeRead(r, m.context, m.from);
  return ok(undefined);
}

function respondAppend(r: RaftCore, to: NodeId, round: number, fields: Pick<AppendResponse, "success" | "matchIndex" | "rejectIndex" | "hintIndex" | "hintTerm">): void {
  const { success, matchIndex, rejectIndex, hintIndex, hintTerm } = fields;
  r.send({ type: "append-response", from: r.id, to, term: r.term, success, matchIndex, rejectIndex, hintIndex, hintTerm, round });
}

/** AppendEntries receiver (§5.3). */
export function handleAppend(r: RaftCore, m: AppendRequest): Result<void> {
  if (m.prevLogIndex < r.log.committed) {
    respondAppend(r, m.from, m.round, { success: true, matchIndex: r.log.committed, rejectIndex: 0, hintIndex: 0, hintTerm: 0 });
    return ok(undefined);
  }
  const result = r.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.entries);
  if (result === "conflicts-with-committed") {
    return err(
      blixardError("append-conflicts-with-committed", `${m.from} tried to overwrite entries at or below commit index ${r.log.committed} on ${r.id}`, {
        nodeId: r.id,
        hint: "the sender's log disagrees with committed history: it is faulty or forged",
      }),
    );
  }
  if (result === "mismatch") {
    const hint = r.log.findConflictByTerm(Math.min(m.prevLogIndex, r.log.lastIndex()), m.prevLogTerm);
    respondAppend(r, m.from, m.round, { success: false, matchIndex: 0, rejectIndex: m.prevLogIndex, hintIndex: hint.index, hintTerm: hint.term });
    return ok(undefined);
  }
  if (result.truncated || m.entries.some((e) => e.kind === "config")) recomputeConfig(r);
  r.log.commitTo(Math.min(m.commit, result.lastNewIndex));
  respondAppend(r, m.from, m.round, { success: true, matchIndex: result.lastNewIndex, rejectIndex: 0, hintIndex: 0, hintTerm: 0 });
  return ok(undefined);
}

export function handleHeartbeat(r: RaftCore, m: HeartbeatRequest): Result<void> {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.send({ type: "heartbeat-response", from: r.id, to: m.from, term: r.term, context: m.context, round: m.round });
  return ok(undefined);
}

/** A stale leader or candidate learns our higher term from this and steps down. */
export function respondStaleTerm(r: RaftCore, to: NodeId): void {
  respondAppend(r, to, 0, { success: false, matchIndex: 0, rejectIndex: 0, hintIndex: 0, hintTerm: 0 });
}
