import { assert, type Result } from "../errors";
import { allMembers, isMember, isVoter } from "./cluster-config";
import { RaftLog } from "./log";
import type { ClusterConfig, HardState, NodeId } from "./log-types";
import type { RaftMessage } from "./messages";
import { Progress } from "./progress";
import { ReadIndexQueue } from "./read-index-queue";
import type { IncomingSnapshot } from "./snapshot-transfer";
import type { RaftConfig, RaftInitialState, RaftRole, ReadState, SoftState } from "./types";

export type RoleStep = (r: RaftCore, m: RaftMessage) => Result<void>;

/** Bounds on what one Ready and the local queues may hold. */
export const maxCommittedEntriesPerReady = 4096;
export const maxPendingReads = 4096;
export const maxOutboxMessages = 65_536;

/**
 * All mutable Raft state of one node. The behaviour lives in the role and
 * feature modules (election, replication, ...), which take this as `r`.
 */
export class RaftCore {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  term: number;
  votedFor: NodeId | null;
  leaderId: NodeId | null = null;
  role: Exclude<RaftRole, "learner"> = "follower";
  /** Per-role step function, swapped by the become* transitions. */
  stepRole: RoleStep;
  readonly log: RaftLog;
  /** The configuration in force: the latest config entry in the log (effective once appended). */
  config: ClusterConfig;
  configIndex = 0;
  readonly bootstrapConfig: ClusterConfig;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** Ticks since this Raft was built, counted up to an election timeout: with lease reads, no vote is granted before then. */
  ticksSinceStart = 0;
  /** Heartbeat rounds sent by this node, ever (never reset, so an old echo never matches a new round). */
  heartbeatRound = 0;
  /** Leader with lease reads: when each recent round left. */
  readonly roundSentMs = new Map<number, number>();
  /** Leader: a transfer was started this term, so the read lease is given up until the term ends. */
  leaseRevoked = false;
  /** The configIndex under which the progress' lease acknowledgements were taken. */
  leaseAcksConfigIndex = -1;
  randomizedElectionTimeout = 0;
  votes = new Map<NodeId, boolean>();
  /** Leader only: one entry per member other than this node. */
  progress = new Map<NodeId, Progress>();
  leadTransferee: NodeId | null = null;
  /** Index of the latest config entry proposed by this leader. */
  pendingConfigIndex = 0;
  /** Leader: new entries or a new commit index to tell followers about at the next Ready (batches proposals). */
  broadcastPending = false;

  outbox: RaftMessage[] = [];
  readStates: ReadState[] = [];
  readonly reads = new ReadIndexQueue();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  readsAwaitingCommit: string[] = [];
  incomingSnapshot: IncomingSnapshot | null = null;

  persistedHardState: HardState;
  /** A Ready was handed out and not yet advanced. */
  readyOutstanding = false;
  reportedSoftState: SoftState;

  constructor(cfg: RaftConfig, initial: RaftInitialState, followerStep: RoleStep) {
    this.id = cfg.id;
    this.cfg = cfg;
    this.term = initial.hardState.term;
    this.votedFor = initial.hardState.votedFor;
    this.log = new RaftLog(initial.snapshot, initial.entries, initial.hardState.commit, initial.appliedIndex);
    this.bootstrapConfig = initial.bootstrapConfig;
    this.config = initial.bootstrapConfig;
    this.stepRole = followerStep;
    this.persistedHardState = initial.hardState;
    this.reportedSoftState = { leaderId: null, role: "follower", term: this.term };
  }

  hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leaderId: this.leaderId, role: this.publicRole(), term: this.term };
  }

  publicRole(): RaftRole {
    if (this.role === "follower" && this.config.learners.includes(this.id)) return "learner";
    return this.role;
  }

  /** May this node campaign? Only voters of its own configuration. */
  promotable(): boolean {
    return isVoter(this.config, this.id);
  }

  isMember(id: NodeId): boolean {
    return isMember(this.config, id);
  }

  /** Members other than this node, sorted (deterministic send order). */
  peers(): NodeId[] {
    return allMembers(this.config).filter((id) => id !== this.id);
  }

  send(m: RaftMessage): void {
    assert(m.to !== this.id, "never send to self", m.type);
    // A driver that stops calling ready() must not make us grow without bound.
    if (this.outbox.length >= maxOutboxMessages) return;
    this.outbox.push(m);
  }

  resetRandomizedElectionTimeout(): void {
    const base = this.cfg.electionTimeoutTicks;
    this.randomizedElectionTimeout = this.cfg.random.nextInt(base, 2 * base - 1);
  }

  /** Common part of every role transition. */
  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.votedFor = null;
    }
    this.leaderId = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.votes = new Map();
    this.progress = new Map();
    this.reads.clear();
    this.readsAwaitingCommit = [];
    this.pendingConfigIndex = 0;
    this.broadcastPending = false;
    this.leaseRevoked = false;
    this.leaseAcksConfigIndex = -1;
  }

  /** Rebuild leader progress after the configuration changed: keep known peers, add new ones. */
  syncProgress(): void {
    if (this.role !== "leader") return;
    const next = new Map<NodeId, Progress>();
    for (const id of this.peers()) {
      next.set(id, this.progress.get(id) ?? this.newProgress());
    }
    this.progress = next;
  }

  newProgress(): Progress {
    const p = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightAppends);
    p.recentActive = true;
    return p;
  }

  /** Match index of a voter as the leader sees it (its own log counts once durable-by-contract). */
  matchOf(id: NodeId): number {
    if (id === this.id) return this.log.lastIndex();
    return this.progress.get(id)?.match ?? 0;
  }

  /** Has this leader committed an entry of its own term (required before ReadIndex and config changes)? */
  committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }
}
