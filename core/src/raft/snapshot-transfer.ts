import { assert, ok, type Result } from "../errors";
import type { NodeId, Snapshot, SnapshotMeta } from "./log-types";
import { recomputeConfig } from "./membership";
import type { SnapshotChunk, SnapshotChunkResponse } from "./messages";
import type { Progress, SnapshotTransfer } from "./progress";
import type { RaftCore } from "./raft-core";
import { maybeSendAppend } from "./replication";

/** Heartbeat rounds without an acknowledgement before a transfer is restarted from scratch. */
export const maxSnapshotRoundsWithoutAck = 10;

/** A follower's partially received snapshot. */
export interface IncomingSnapshot {
  readonly leaderTerm: number;
  readonly meta: SnapshotMeta;
  readonly totalBytes: number;
  readonly parts: string[];
  received: number;
}

/** End of the chunk starting at `offset`, never splitting a UTF-16 surrogate pair. */
function chunkEnd(data: string, offset: number, chunkBytes: number): number {
  let end = Math.min(data.length, offset + chunkBytes);
  if (end < data.length && end > offset + 1) {
    const code = data.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
  }
  return end;
}

export function startSnapshotTransfer(r: RaftCore, to: NodeId, pr: Progress): void {
  const snapshot = r.log.snapshot;
  assert(snapshot !== null, "entries are compacted only behind a snapshot", `leader ${r.id}, follower ${to}`);
  pr.becomeSnapshot({ index: snapshot.meta.index, term: snapshot.meta.term, ackedOffset: 0, roundsWithoutAck: 0 });
  sendChunk(r, to, pr);
}

function sendChunk(r: RaftCore, to: NodeId, pr: Progress): void {
  const snapshot = r.log.snapshot;
  const transfer = pr.snapshotTransfer;
  if (snapshot === null || transfer === null) return;
  if (snapshot.meta.index !== transfer.index) {
    // We compacted again since the transfer began: send the newer snapshot instead.
    startSnapshotTransfer(r, to, pr);
    return;
  }
  const offset = transfer.ackedOffset;
  const end = chunkEnd(snapshot.data, offset, r.cfg.snapshotChunkBytes);
  r.send({
    type: "snapshot",
    from: r.id,
    to,
    term: r.term,
    meta: snapshot.meta,
    offset,
    totalBytes: snapshot.data.length,
    data: snapshot.data.slice(offset, end),
    done: end === snapshot.data.length,
  });
}

/** Leader, each heartbeat round: resend the unacknowledged chunk; give up (and restart later) after a bound. */
export function retrySnapshotTransfers(r: RaftCore): void {
  for (const [to, pr] of r.progress) {
    const transfer: SnapshotTransfer | null = pr.snapshotTransfer;
    if (pr.state !== "snapshot" || transfer === null) continue;
    transfer.roundsWithoutAck++;
    if (transfer.roundsWithoutAck > maxSnapshotRoundsWithoutAck) {
      pr.becomeProbe();
      maybeSendAppend(r, to, true);
    } else {
      sendChunk(r, to, pr);
    }
  }
}

export function handleSnapshotResponse(r: RaftCore, m: SnapshotChunkResponse): Result<void> {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return ok(undefined);
  pr.recentActive = true;
  const transfer = pr.snapshotTransfer;
  if (pr.state !== "snapshot" || transfer === null || transfer.index !== m.snapshotIndex || transfer.term !== m.snapshotTerm) {
    return ok(undefined);
  }
  const total = r.log.snapshot?.data.length ?? 0;
  transfer.ackedOffset = Math.min(m.nextOffset, total);
  transfer.roundsWithoutAck = 0;
  // The last chunk's answer is the follower's append-response, which moves it out of snapshot state.
  if (transfer.ackedOffset < total) sendChunk(r, m.from, pr);
  return ok(undefined);
}

function respondChunk(r: RaftCore, m: SnapshotChunk, nextOffset: number, accepted: boolean): void {
  r.send({
    type: "snapshot-response",
    from: r.id,
    to: m.from,
    term: r.term,
    snapshotIndex: m.meta.index,
    snapshotTerm: m.meta.term,
    nextOffset,
    accepted,
  });
}

function respondInstalled(r: RaftCore, to: NodeId, matchIndex: number): void {
  r.send({ type: "append-response", from: r.id, to, term: r.term, success: true, matchIndex, rejectIndex: 0, hintIndex: 0, hintTerm: 0, round: 0 });
}

/** Follower: assemble chunks strictly in order; install when the last one arrives. */
export function handleSnapshotChunk(r: RaftCore, m: SnapshotChunk): Result<void> {
  if (m.meta.index <= r.log.committed) {
    r.incomingSnapshot = null;
    respondChunk(r, m, m.totalBytes, true);
    respondInstalled(r, m.from, r.log.committed);
    return ok(undefined);
  }
  let incoming = r.incomingSnapshot;
  if (m.offset === 0) {
    incoming = { leaderTerm: m.term, meta: m.meta, totalBytes: m.totalBytes, parts: [], received: 0 };
    r.incomingSnapshot = incoming;
  }
  const sameSnapshot =
    incoming !== null &&
    incoming.leaderTerm === m.term &&
    incoming.meta.index === m.meta.index &&
    incoming.meta.term === m.meta.term &&
    incoming.totalBytes === m.totalBytes;
  if (incoming === null || !sameSnapshot || incoming.received !== m.offset) {
    respondChunk(r, m, sameSnapshot && incoming !== null ? incoming.received : 0, false);
    return ok(undefined);
  }
  incoming.parts.push(m.data);
  incoming.received += m.data.length;
  if (!m.done) {
    respondChunk(r, m, incoming.received, true);
    return ok(undefined);
  }
  r.incomingSnapshot = null;
  const snapshot: Snapshot = { meta: m.meta, data: incoming.parts.join("") };
  respondChunk(r, m, m.totalBytes, true);
  respondInstalled(r, m.from, restoreSnapshot(r, snapshot) ? r.log.lastIndex() : r.log.committed);
  return ok(undefined);
}

/**
 * Install a complete snapshot. If our log already holds its last entry, we only
 * fast-forward the commit index and keep the (matching) suffix.
 */
function restoreSnapshot(r: RaftCore, snapshot: Snapshot): boolean {
  const { index, term } = snapshot.meta;
  if (index <= r.log.committed) return false;
  if (r.log.matchTerm(index, term)) {
    r.log.commitTo(index);
    return false;
  }
  r.log.restore(snapshot);
  recomputeConfig(r);
  return true;
}
