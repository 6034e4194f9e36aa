import { assert } from "../errors";
import { maxCommittedEntriesPerReady, type RaftCore } from "./raft-core";
import { broadcastAppend } from "./replication";
import type { ReadState, Ready } from "./types";

const noReadStates: readonly ReadState[] = Object.freeze([]);

export function hasReady(r: RaftCore): boolean {
  return (
    r.broadcastPending ||
    r.outbox.length > 0 ||
    r.readStates.length > 0 ||
    r.log.pendingSnapshot !== null ||
    r.log.stableIndex < r.log.lastIndex() ||
    r.log.committed > r.log.applied ||
    hardStateChanged(r) ||
    softStateChanged(r)
  );
}

// Field by field, without building the states: hasReady runs after every input of every node.
function hardStateChanged(r: RaftCore): boolean {
  const p = r.persistedHardState;
  return p.term !== r.term || p.votedFor !== r.votedFor || p.commit !== r.log.committed;
}

function softStateChanged(r: RaftCore): boolean {
  const s = r.reportedSoftState;
  return s.term !== r.term || s.leaderId !== r.leaderId || s.role !== r.publicRole();
}

/** Collect the next batch of work. Call advance(ready) before the next ready(). */
export function ready(r: RaftCore): Ready {
  assert(!r.readyOutstanding, "advance() is called before the next ready()", () => `node ${r.id}`);
  if (r.broadcastPending && r.role === "leader") broadcastAppend(r);
  r.broadcastPending = false;
  // States are built only when they changed, and an empty list is the shared empty one: a Ready per input.
  const softState = softStateChanged(r) ? r.softState() : null;
  const rd: Ready = {
    hardState: hardStateChanged(r) ? r.hardState() : null,
    entriesToPersist: r.log.unstableEntries(),
    snapshotToPersist: r.log.pendingSnapshot,
    committedEntries: r.log.nextCommittedEntries(maxCommittedEntriesPerReady),
    messages: r.outbox,
    readStates: r.readStates.length === 0 ? noReadStates : r.readStates,
    softState,
  };
  r.outbox = [];
  if (r.readStates.length > 0) r.readStates = [];
  if (softState !== null) r.reportedSoftState = softState;
  r.readyOutstanding = true;
  return rd;
}

export function advance(r: RaftCore, rd: Ready): void {
  r.readyOutstanding = false;
  if (rd.hardState !== null) r.persistedHardState = rd.hardState;
  if (rd.snapshotToPersist !== null && r.log.pendingSnapshot?.meta.index === rd.snapshotToPersist.meta.index) {
    r.log.pendingSnapshot = null;
  }
  const lastPersisted = rd.entriesToPersist[rd.entriesToPersist.length - 1];
  if (lastPersisted !== undefined) r.log.stableTo(lastPersisted.index, lastPersisted.term);
  const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
  if (lastApplied !== undefined) r.log.appliedTo(lastApplied.index);
}
