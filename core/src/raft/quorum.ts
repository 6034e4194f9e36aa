import type { ClusterConfig, NodeId } from "./log-types";

/**
 * Majority arithmetic. A configuration is one voter set, or two inside a joint
 * configuration (votersOutgoing non-empty), in which case a decision needs a
 * majority of each. An empty voter set never reaches a decision.
 */
function majorities(config: ClusterConfig): (readonly NodeId[])[] {
  return config.votersOutgoing.length > 0 ? [config.voters, config.votersOutgoing] : [config.voters];
}

export type VoteOutcome = "won" | "lost" | "pending";

function singleVoteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  if (voters.length === 0) return "lost";
  const need = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === undefined) missing++;
  }
  if (granted >= need) return "won";
  if (granted + missing >= need) return "pending";
  return "lost";
}

export function voteResult(config: ClusterConfig, votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const results = majorities(config).map((voters) => singleVoteResult(voters, votes));
  if (results.includes("lost")) return "lost";
  if (results.includes("pending")) return "pending";
  return "won";
}

export function hasQuorum(config: ClusterConfig, acks: ReadonlySet<NodeId>): boolean {
  const votes = new Map<NodeId, boolean>();
  for (const id of acks) votes.set(id, true);
  return majorities(config).every((voters) => singleVoteResult(voters, votes) === "won");
}

/** The highest index held by a majority (of each voter set), given each voter's match index. */
export function quorumMatchIndex(config: ClusterConfig, matchOf: (id: NodeId) => number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, quorumValue(config, matchOf, 0));
}

/**
 * The largest v such that a majority of each voter set has valueOf(id) >= v;
 * `none` when a voter set is empty (no majority can exist).
 */
export function quorumValue(config: ClusterConfig, valueOf: (id: NodeId) => number, none: number): number {
  const incoming = majorityValue(config.voters, valueOf, none);
  if (config.votersOutgoing.length === 0 || config.voters.length === 0) return incoming;
  const outgoing = majorityValue(config.votersOutgoing, valueOf, none);
  return Math.min(incoming, outgoing);
}

// Reused by majorityValue: it runs on every acknowledgement and every lease read,
// and a voter set is small, so an insertion sort in place beats map + sort.
const scratchValues: number[] = [];

/** The value a majority of `voters` has reached: the median-high of their values, descending. */
function majorityValue(voters: readonly NodeId[], valueOf: (id: NodeId) => number, none: number): number {
  const n = voters.length;
  if (n === 0) return none;
  const values = scratchValues;
  for (let i = 0; i < n; i++) {
    const v = valueOf(voters[i] as NodeId);
    let j = i;
    while (j > 0 && (values[j - 1] as number) < v) {
      values[j] = values[j - 1] as number;
      j--;
    }
    values[j] = v;
  }
  return values[n >> 1] as number;
}
