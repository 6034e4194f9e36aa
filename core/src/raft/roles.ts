import { assert, blixardError, err, ok, type Result } from "../errors";
import { isVoter } from "./cluster-config";
import { campaign, handleVoteResponse } from "./election";
import type { NodeId } from "./log-types";
import type { RaftMessage } from "./messages";
import { hasQuorum } from "./quorum";
import type { RaftCore } from "./raft-core";
import {
  handleAppend,
  handleAppendResponse,
  handleHeartbeat,
  handleHeartbeatResponse,
  leaderAppend,
  sendDueCommits,
  sendHeartbeats,
} from "./replication";
import { handleSnapshotChunk, handleSnapshotResponse, retrySnapshotTransfers } from "./snapshot-transfer";

export function becomeFollower(r: RaftCore, term: number, leaderId: NodeId | null): void {
  r.reset(term);
  r.leaderId = leaderId;
  r.role = "follower";
  r.stepRole = stepFollower;
}

/** Unlike becomeCandidate, keeps term and vote: a pre-election changes nothing durable. */
export function becomePreCandidate(r: RaftCore): void {
  assert(r.role !== "leader", "a leader never becomes pre-candidate");
  r.role = "pre-candidate";
  r.stepRole = stepCandidate;
  r.votes = new Map();
  r.leaderId = null;
}

export function becomeCandidate(r: RaftCore): void {
  assert(r.role !== "leader", "a leader never becomes candidate");
  r.reset(r.term + 1);
  r.votedFor = r.id;
  r.role = "candidate";
  r.stepRole = stepCandidate;
}

/** Leader of the current term: fresh progress for every peer, then a noop so commitment can advance (§5.4.2). */
export function becomeLeader(r: RaftCore): void {
  assert(r.role === "candidate", "only a candidate becomes leader", r.role);
  r.reset(r.term);
  r.leaderId = r.id;
  r.role = "leader";
  r.stepRole = stepLeader;
  r.syncProgress();
  for (const pr of r.progress.values()) pr.recentActive = false;
  r.pendingConfigIndex = r.log.lastIndex();
  leaderAppend(r, "noop", "");
}

function stepFollower(r: RaftCore, m: RaftMessage): Result<void> {
  switch (m.type) {
    case "append":
      r.electionElapsed = 0;
      r.leaderId = m.from;
      return handleAppend(r, m);
    case "heartbeat":
      r.electionElapsed = 0;
      r.leaderId = m.from;
      return handleHeartbeat(r, m);
    case "snapshot":
      r.electionElapsed = 0;
      r.leaderId = m.from;
      return handleSnapshotChunk(r, m);
    case "timeout-now":
      // Leadership transfer: campaign at once, skipping pre-vote and the voters' lease.
      if (r.promotable()) campaign(r, "transfer");
      return ok(undefined);
    default:
      return ok(undefined);
  }
}

function stepCandidate(r: RaftCore, m: RaftMessage): Result<void> {
  switch (m.type) {
    case "append":
    case "heartbeat":
    case "snapshot":
      // Someone won this term (or, for a pre-candidate, holds it): follow them.
      becomeFollower(r, m.term, m.from);
      return stepFollower(r, m);
    case "pre-vote-response":
    case "vote-response":
      return handleVoteResponse(r, m);
    default:
      return ok(undefined);
  }
}

function stepLeader(r: RaftCore, m: RaftMessage): Result<void> {
  switch (m.type) {
    case "append-response":
      return handleAppendResponse(r, m);
    case "heartbeat-response":
      return handleHeartbeatResponse(r, m);
    case "snapshot-response":
      return handleSnapshotResponse(r, m);
    case "append":
    case "heartbeat":
    case "snapshot":
      return err(
        blixardError("conflicting-leader", `node ${r.id} leads term ${r.term} but got ${m.type} from ${m.from} in the same term`, {
          nodeId: r.id,
          hint: "two leaders in one term means election safety is broken: inspect both nodes' persisted votes",
        }),
      );
    default:
      return ok(undefined);
  }
}

export function tick(r: RaftCore): void {
  if (r.ticksSinceStart < r.cfg.electionTimeoutTicks) r.ticksSinceStart++;
  if (r.role === "leader") tickLeader(r);
  else tickElection(r);
}

function tickElection(r: RaftCore): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    r.resetRandomizedElectionTimeout();
    campaign(r, r.cfg.preVote ? "pre-election" : "election");
  }
}

function tickLeader(r: RaftCore): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTimeoutTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum && !quorumActive(r)) {
      becomeFollower(r, r.term, null);
      return;
    }
    // A transfer that has not completed within an election timeout is abandoned.
    r.leadTransferee = null;
  }
  if (r.heartbeatElapsed >= r.cfg.heartbeatIntervalTicks) {
    r.heartbeatElapsed = 0;
    sendHeartbeats(r, r.reads.latest());
    retrySnapshotTransfers(r);
  } else {
    sendDueCommits(r);
  }
}

/** Check-quorum: did a quorum of voters answer us since the last check? Resets the marks. */
function quorumActive(r: RaftCore): boolean {
  const active = new Set<NodeId>();
  if (isVoter(r.config, r.id)) active.add(r.id);
  for (const [id, pr] of r.progress) {
    if (pr.recentActive) active.add(id);
    pr.recentActive = false;
  }
  return hasQuorum(r.config, active);
}
