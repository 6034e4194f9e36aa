import type { PeerProgress, ProgressState } from "./types";

/**
 * The leader's view of one follower (after etcd-io/raft's Progress):
 * - probe: next is a guess; send one append, then wait for its answer (or a
 *   heartbeat response) before sending another.
 * - replicate: the follower is known to match; stream appends optimistically,
 *   at most `maxInflight` unacknowledged at once.
 * - snapshot: the follower needs the snapshot; appends pause until it is installed.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append is outstanding, wait before sending another. */
  probeSent = false;
  /** Replicate state: last index carried by each unacknowledged append, ascending. */
  inflight: number[] = [];
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Highest commit index any message to this follower carried (lazy commit propagation). */
  sentCommit = 0;
  /** The heartbeat round the latest append to this follower carried (0: none yet). */
  appendRound = 0;
  /** Send time (leader's monotonic ms) of the latest heartbeat round this follower echoed (read-lease.ts). */
  leaseAckMs = Number.NEGATIVE_INFINITY;
  /** Snapshot state: the transfer in progress. */
  snapshotTransfer: SnapshotTransfer | null = null;

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot index.
    const floor = this.state === "snapshot" && this.snapshotTransfer !== null ? this.snapshotTransfer.index : this.match;
    this.resetState("probe");
    this.next = Math.max(this.match, floor) + 1;
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(transfer: SnapshotTransfer): void {
    this.resetState("snapshot");
    this.snapshotTransfer = transfer;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.inflight = [];
    this.snapshotTransfer = null;
  }

  /** An append for (.., lastIndex] left: record it for flow control. */
  sentAppend(lastIndex: number, entryCount: number): void {
    if (this.state === "replicate") {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** A successful ack up to `index`. Returns false if it told us nothing new. */
  maybeUpdate(index: number): boolean {
    this.probeSent = false;
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.inflight = this.inflight.filter((last) => last > index);
    return true;
  }

  /**
   * A rejection of the append whose prevLogIndex was `rejected`; `matchHint`
   * is the highest index that may still match. Returns false for a stale reject.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected < this.match) return false; // stale: answers an append sent before the latest ack
      // A rejection of the entry at match itself: the ack it rests on is not to be trusted.
      if (rejected === this.match) this.distrustMatch(rejected, matchHint);
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    if (rejected <= this.match) this.distrustMatch(rejected, matchHint);
    const next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    // A rejection that moves nothing (a duplicate) waits for the next heartbeat round:
    // answering every copy at once lets a duplicating link multiply the traffic.
    if (next === this.next) return false;
    this.next = next;
    this.probeSent = false;
    return true;
  }

  /**
   * The follower denies an entry it is on record as holding: that record came
   * from an acknowledgement it did not make in this life (a message replayed
   * from before it was wiped) or its disk lost data. Believe the denial: match
   * only feeds future commit decisions, so lowering it is safe, while keeping
   * it would re-send the same probe forever.
   */
  private distrustMatch(rejected: number, matchHint: number): void {
    this.match = Math.min(this.match, matchHint, rejected - 1);
  }

  isPaused(): boolean {
    if (this.state === "probe") return this.probeSent;
    if (this.state === "replicate") return this.inflight.length >= this.maxInflight;
    return true;
  }

  /** A heartbeat answer proves the follower is reachable: let one more append out. */
  onHeartbeatResponse(): void {
    this.probeSent = false;
    if (this.state === "replicate" && this.inflight.length >= this.maxInflight) this.inflight.shift();
  }

  view(): PeerProgress {
    return { match: this.match, next: this.next, state: this.state, inflightAppends: this.inflight.length, recentActive: this.recentActive };
  }
}

export interface SnapshotTransfer {
  readonly index: number;
  readonly term: number;
  /** Offset the follower acknowledged so far. */
  ackedOffset: number;
  /** Heartbeat rounds since the last acknowledgement; the chunk is resent each round. */
  roundsWithoutAck: number;
}
