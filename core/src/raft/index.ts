/**
 * Raft consensus for Blixard — a pure, synchronous state machine after
 * etcd-io/raft. No I/O, no ambient clock or randomness: with lease reads on,
 * the node's monotonic clock is handed in (RaftConfig.leaseReads.nowMs).
 *
 * Inputs: `tick()` (logical time), `step(message)` (every peer message, strictly
 * validated; bad input is an error value, never a throw; `stepParsed` for one
 * parseRaftMessage already produced), and local requests:
 * `propose`, `proposeConfigChange`, `readIndex`, `transferLeadership`, `compact`.
 * Outputs: a `Ready` bundle (hard state, entries and snapshot to persist,
 * committed entries to apply, messages to send, confirmed reads, soft state),
 * acknowledged with `advance(ready)`.
 *
 * Persistence order (see `Ready`): everything a Ready asks to persist is made
 * durable before any of its messages is sent. Vote grants and append acks
 * therefore never get ahead of the disk, and the leader may count its own log
 * as replicated as soon as it appends (its appends and its acks-to-come are in
 * the same Ready, persisted before anything leaves). Term and vote are durable
 * first; the commit index in the hard state is written only with them and may
 * lag (storage/persist-plan.ts): a restarted node relearns it from the leader.
 *
 * Optimisations and features in: pre-vote (thesis §9.6); check-quorum with a
 * leader lease on votes (a node that heard from a leader within an election
 * timeout ignores campaigns, so partitioned or removed nodes cannot disrupt);
 * randomized election timeouts from the injected RandomSource; per-follower
 * progress (probe / replicate / snapshot) with pipelining bounded by
 * maxInflightAppends; batching by entries and bytes, with all proposals since
 * the last Ready sent together; fast log backtracking by conflicting term
 * (reject hint = term and index, both sides skip whole terms); commit only by
 * counting replicas of current-term entries (§5.4.2, a noop is appended on
 * election); lazy commit propagation (a new commit index rides on the next
 * append, or a leader tick sends it: no extra round per write); no heartbeats
 * to a follower that was sent an append since the last round (appends carry
 * the heartbeat round and their acks echo it, so they renew the read lease and
 * check-quorum; every follower still hears from the leader at least every
 * second heartbeat interval);
 * ReadIndex linearizable reads confirmed by a heartbeat round, only once the
 * leader committed in its term; optional lease reads (read-lease.ts: no round
 * while a quorum's timed heartbeat acknowledgement holds, shrunk by the stated
 * clock-drift bound, given up on transfer and pending config changes, with a
 * vote blackout of one election timeout after every start, which nodes keep
 * whatever their own read mode); chunked
 * InstallSnapshot with in-order assembly and bounded resend; leadership
 * transfer via TimeoutNow (proposals refused meanwhile, abandoned after an
 * election timeout); learners; flow-control and backpressure bounds.
 *
 * Around this module, for speed: Raft messages and KV client traffic travel in
 * binary layouts (protocol/raft-binary.ts, protocol/client-binary.ts), KV
 * session commands enter the log in a compact spelling (state/envelope-compact.ts),
 * and log records are binary frames (storage/record-binary.ts). Each binary
 * form decodes to the same value its JSON form would and passes the same
 * validation, less the field-set and type checks its decoder makes true by
 * construction (parseDecodedRaftMessage; a compact entry's envelope); tests
 * hold the shortened checks equal to the full ones. Anything else stays JSON.
 *
 * Membership: single-server changes, effective on append (thesis §4.1). One
 * uncommitted config entry at a time, and only once the leader committed an
 * entry of its own term. Safety: two configurations that differ by one voter
 * have intersecting majorities, so the old and new configuration can never
 * elect two leaders in the same term or commit conflicting entries; the
 * one-at-a-time rule keeps every pair of consecutive configurations one step
 * apart, and the own-term-commit rule closes the hole where a config entry from
 * a deposed leader could be superseded by a disjoint one. A removed leader
 * keeps leading (without counting itself) until its removal commits, then
 * hands off with TimeoutNow and steps down. Learners receive the log but are
 * never counted in any quorum and never campaign; like etcd, any node answers a
 * vote request (a learner may have been promoted in a log it has not yet seen).
 * Config entries carry the whole resulting configuration (encodeConfigEntry),
 * so a node joining mid-log learns it from the first config entry it receives.
 */
export { Raft } from "./raft";
export type {
  PeerProgress,
  ProgressState,
  RaftConfig,
  RaftInitialState,
  RaftRole,
  RaftStatus,
  ReadState,
  Ready,
  SoftState,
} from "./types";
export type * from "./messages";
export {
  isLeaderMessage,
  maxClusterMembers,
  maxEntriesPerMessage,
  maxEntryDataBytes,
  maxNodeIdBytes,
  maxReadContextBytes,
  maxSnapshotBytes,
  maxSnapshotChunkBytes,
  raftMessageTypes,
} from "./messages";
export { parseDecodedRaftMessage, parseFreshRaftMessage, parseRaftMessage } from "./message-validate";
export { leaseDurationMs, type LeaseReadConfig } from "./read-lease";
export {
  applyConfigChange,
  type ConfigChange,
  type ConfigChangeKind,
  type ConfigEntryPayload,
  configChangeKinds,
  decodeConfigEntry,
  EMPTY_CLUSTER_CONFIG,
  encodeConfigEntry,
  isMember,
  isVoter,
  parseClusterConfig,
} from "./cluster-config";
export { validateRaftConfig } from "./raft-config";
export { hasQuorum, quorumMatchIndex, voteResult } from "./quorum";
