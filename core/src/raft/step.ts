import { blixardError, err, ok, type Result } from "../errors";
import { handleVoteRequest } from "./election";
import { isLeaderMessage, type RaftMessage } from "./messages";
import type { RaftCore } from "./raft-core";
import { respondStaleTerm } from "./replication";
import { becomeFollower } from "./roles";

/**
 * Every peer message enters here. Addressing and membership are checked
 * first, then terms, once for all roles; the rest goes to the role's step.
 */
export function step(r: RaftCore, m: RaftMessage): Result<void> {
  if (m.to !== r.id) {
    return err(blixardError("wrong-recipient", `message ${m.type} for ${m.to} was delivered to ${r.id}`, { nodeId: r.id }));
  }
  if (m.from === r.id) {
    return err(blixardError("message-from-self", `node ${r.id} got a ${m.type} claiming to be from itself`, { nodeId: r.id }));
  }
  // Leader messages are accepted from any sender on the strength of their term
  // (a node being added does not know the configuration yet); everything else
  // must come from a member.
  if (!isLeaderMessage(m) && !r.isMember(m.from)) {
    return err(
      blixardError("unknown-peer", `node ${r.id} ignored ${m.type} from ${m.from}, which is not in its configuration`, {
        nodeId: r.id,
        hint: "a removed node should be shut down; a new node must be added with a config change first",
      }),
    );
  }
  if (m.term > r.term) {
    if (!stepHigherTerm(r, m)) return ok(undefined);
  } else if (m.term < r.term) {
    stepLowerTerm(r, m);
    return ok(undefined);
  }
  if (m.type === "pre-vote" || m.type === "vote") return handleVoteRequest(r, m);
  return r.stepRole(r, m);
}

/** Returns false if the message must be dropped. */
function stepHigherTerm(r: RaftCore, m: RaftMessage): boolean {
  if (m.type === "pre-vote" || m.type === "vote") {
    // Leader lease on votes: while we hear from a live leader, ignore campaigns
    // (a partitioned or removed node cannot depose it), unless it is a transfer.
    const heardFromLeader = r.leaderId !== null && r.electionElapsed < r.cfg.electionTimeoutTicks;
    // A node that just started may have acknowledged a leader's read lease before it went down.
    const blackout = r.cfg.leaseReads !== null || r.cfg.voteBlackoutAfterStart === true;
    const justStarted = blackout && r.ticksSinceStart < r.cfg.electionTimeoutTicks;
    const inLease = r.cfg.checkQuorum && (heardFromLeader || justStarted);
    if (inLease && !m.leadershipTransfer) return false;
  }
  // A pre-vote proposes a term without claiming it; a granted pre-vote response echoes it.
  if (m.type === "pre-vote" || (m.type === "pre-vote-response" && m.granted)) return true;
  becomeFollower(r, m.term, isLeaderMessage(m) ? m.from : null);
  return true;
}

function stepLowerTerm(r: RaftCore, m: RaftMessage): void {
  if ((r.cfg.checkQuorum || r.cfg.preVote) && (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot")) {
    // A stale leader (e.g. back from a partition) learns our term and steps
    // down. Without this, with pre-vote it could never be displaced: we
    // would keep ignoring it while it keeps rejecting our pre-votes.
    respondStaleTerm(r, m.from);
  } else if (m.type === "pre-vote") {
    r.send({ type: "pre-vote-response", from: r.id, to: m.from, term: r.term, granted: false });
  }
}
