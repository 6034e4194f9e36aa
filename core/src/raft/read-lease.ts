import type { NodeId } from "./log-types";
import { quorumValue } from "./quorum";
import type { RaftCore } from "./raft-core";

/**
 * Lease reads (thesis §6.4.1): a leader that a quorum acknowledged recently
 * answers reads at its commit index without a heartbeat round, because no
 * other leader can have been elected since.
 *
 * Why that holds here, and what it assumes:
 * - Followers refuse votes for an election timeout after they last heard from
 *   the leader (check-quorum's vote lease, step.ts), and for an election
 *   timeout after they start (a restarted node forgot whom it heard from).
 *   They count that time in ticks of their own monotonic clock: at least
 *   (electionTimeoutTicks - 1) tick intervals after the message arrived.
 * - Each heartbeat carries a round number the follower echoes; the leader
 *   remembers when it sent each round. An echo of round k proves the follower
 *   heard from the leader after sentAt(k) (duplicates and reordering cannot
 *   move that earlier). The lease starts at the latest time a quorum of every
 *   voter set acknowledged, the leader itself counting as "now".
 * - Clocks may run apart by at most maxClockDriftPpm (ρ). `leaseDurationMs`
 *   shrinks the followers' refusal window by (1 - ρ)/(1 + ρ) and one more tick,
 *   and the leader measures on its monotonic clock at the moment of the read,
 *   so a leader that was paused (or whose timers fell behind) sees its lease
 *   expired rather than stretched.
 * - No lease while a config entry is uncommitted, and acknowledgements taken
 *   under an older configuration are dropped, so the quorum is one of the
 *   configuration every competing candidate must also win a majority of.
 * - A leader that starts a leadership transfer gives up its lease for the rest
 *   of the term: TimeoutNow makes the target campaign past the vote lease.
 * A read that finds no valid lease falls back to ReadIndex.
 */
export interface LeaseReadConfig {
  /** How long after a quorum's acknowledged round the leader may read alone, on its monotonic clock. */
  readonly leaseMs: number;
  /** The node's monotonic clock, in ms: the only clock raft reads, and only for leases. */
  readonly nowMs: () => number;
}

/** Rounds whose send time is remembered; older echoes no longer extend the lease. */
export const rememberedHeartbeatRounds = 32;

/** The longest safe lease for these timeouts and drift bound (0 or less: leases cannot be used). */
export function leaseDurationMs(electionTimeoutTicks: number, tickIntervalMs: number, maxClockDriftPpm: number): number {
  const rho = maxClockDriftPpm / 1_000_000;
  const followerRefusalMs = (electionTimeoutTicks - 1) * tickIntervalMs;
  return Math.floor((followerRefusalMs * (1 - rho)) / (1 + rho)) - tickIntervalMs;
}

/** Leader: a heartbeat round is leaving now. Returns its number. */
export function startHeartbeatRound(r: RaftCore): number {
  const round = ++r.heartbeatRound;
  const lease = r.cfg.leaseReads;
  if (lease !== null) {
    r.roundSentMs.set(round, lease.nowMs());
    r.roundSentMs.delete(round - rememberedHeartbeatRounds);
  }
  return round;
}

/** Leader: `from` echoed heartbeat round `round`. */
export function recordLeaseAck(r: RaftCore, from: NodeId, round: number): void {
  if (r.cfg.leaseReads === null) return;
  const sentMs = r.roundSentMs.get(round);
  const pr = r.progress.get(from);
  if (sentMs === undefined || pr === undefined) return;
  dropAcksFromOlderConfig(r);
  if (sentMs > pr.leaseAckMs) pr.leaseAckMs = sentMs;
}

/** May the leader answer a read at its commit index right now, without a heartbeat round? */
export function leaseValid(r: RaftCore): boolean {
  const lease = r.cfg.leaseReads;
  if (lease === null || r.role !== "leader" || r.leaseRevoked || r.leadTransferee !== null) return false;
  if (!r.committedInCurrentTerm() || r.configIndex > r.log.committed) return false;
  dropAcksFromOlderConfig(r);
  const now = lease.nowMs();
  const ackMsOf = (id: NodeId) => (id === r.id ? now : (r.progress.get(id)?.leaseAckMs ?? Number.NEGATIVE_INFINITY));
  // The latest time a majority of each voter set acknowledged (the leader itself counts as now).
  return now < quorumValue(r.config, ackMsOf, Number.NEGATIVE_INFINITY) + lease.leaseMs;
}

function dropAcksFromOlderConfig(r: RaftCore): void {
  if (r.leaseAcksConfigIndex === r.configIndex) return;
  r.leaseAcksConfigIndex = r.configIndex;
  for (const pr of r.progress.values()) pr.leaseAckMs = Number.NEGATIVE_INFINITY;
}
