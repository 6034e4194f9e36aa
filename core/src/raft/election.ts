import { ok, type Result } from "../errors";
import { isVoter } from "./cluster-config";
import type { VoteRequest, VoteResponse } from "./messages";
import { voteResult } from "./quorum";
import type { RaftCore } from "./raft-core";
import { becomeCandidate, becomeFollower, becomeLeader, becomePreCandidate } from "./roles";

export type CampaignKind = "pre-election" | "election" | "transfer";

/**
 * Start a (pre-)election. A pre-election (thesis §9.6) asks whether we could
 * win at term+1 without touching our term, so a node that was partitioned
 * away cannot force the cluster onto a higher term when it comes back.
 */
export function campaign(r: RaftCore, kind: CampaignKind): void {
  if (!r.promotable() || r.role === "leader") return;
  let term: number;
  let type: VoteRequest["type"];
  if (kind === "pre-election") {
    becomePreCandidate(r);
    term = r.term + 1;
    type = "pre-vote";
  } else {
    becomeCandidate(r);
    term = r.term;
    type = "vote";
  }
  if (recordVote(r, r.id, true)) return;
  const voters = [...new Set([...r.config.voters, ...r.config.votersOutgoing])].sort();
  for (const to of voters) {
    if (to === r.id) continue;
    r.send({
      type,
      from: r.id,
      to,
      term,
      lastLogIndex: r.log.lastIndex(),
      lastLogTerm: r.log.lastTerm(),
      leadershipTransfer: kind === "transfer",
    });
  }
}

/** Tally one vote; returns true if the (pre-)election was decided and the role changed. */
function recordVote(r: RaftCore, from: string, granted: boolean): boolean {
  if (!r.votes.has(from)) r.votes.set(from, granted);
  const outcome = voteResult(r.config, r.votes);
  if (outcome === "won") {
    if (r.role === "pre-candidate") campaign(r, "election");
    else becomeLeader(r);
    return true;
  }
  if (outcome === "lost") {
    becomeFollower(r, r.term, null);
    return true;
  }
  return false;
}

export function handleVoteResponse(r: RaftCore, m: VoteResponse): Result<void> {
  const expected = r.role === "pre-candidate" ? "pre-vote-response" : "vote-response";
  if (m.type !== expected || !isVoter(r.config, m.from)) return ok(undefined);
  recordVote(r, m.from, m.granted);
  return ok(undefined);
}

/**
 * Grant if we have not voted for someone else this term (or, for a pre-vote,
 * the proposed term is ahead of ours) and the candidate's log is at least as
 * up to date as ours, comparing last term first, then last index (§5.4.1).
 */
export function handleVoteRequest(r: RaftCore, m: VoteRequest): Result<void> {
  const canVote =
    r.votedFor === m.from || (r.votedFor === null && r.leaderId === null) || (m.type === "pre-vote" && m.term > r.term);
  const responseType = m.type === "pre-vote" ? "pre-vote-response" : "vote-response";
  if (canVote && r.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
    r.send({ type: responseType, from: r.id, to: m.from, term: m.term, granted: true });
    if (m.type === "vote") {
      r.electionElapsed = 0;
      r.votedFor = m.from;
    }
  } else {
    r.send({ type: responseType, from: r.id, to: m.from, term: r.term, granted: false });
  }
  return ok(undefined);
}
