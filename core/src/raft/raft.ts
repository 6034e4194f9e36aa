import { assert, blixardError, err, ok, type Result } from "../errors";
import { type ConfigChange, isMember, isVoter } from "./cluster-config";
import { notLeader } from "./errors-raft";
import type { ClusterConfig, Entry, NodeId, Snapshot, SnapshotMeta } from "./log-types";
import { configAt, proposeConfigChange, recomputeConfig, transferInProgress, transferLeadership } from "./membership";
import { maxEntryDataBytes, type RaftMessage } from "./messages";
import { parseRaftMessage } from "./message-validate";
import { RaftCore } from "./raft-core";
import type { RaftRole } from "./types";
import { validateRaftConfig } from "./raft-config";
import { readIndex } from "./read-index";
import { advance, hasReady, ready } from "./ready";
import { leaderAppend } from "./replication";
import { becomeFollower, tick } from "./roles";
import { step } from "./step";
import type { PeerProgress, RaftConfig, RaftInitialState, RaftStatus, Ready } from "./types";

/**
 * One node's Raft state machine: pure and synchronous. Inputs are tick(),
 * step(message) and the local requests (propose, readIndex, ...); outputs
 * come out through ready()/advance(). See index.ts for the design note.
 */
export class Raft {
  private readonly r: RaftCore;

  constructor(config: RaftConfig, initial: RaftInitialState) {
    const valid = validateRaftConfig(config);
    assert(valid.ok, "raft config is valid", valid.ok ? "" : valid.error.message);
    this.r = new RaftCore(config, initial, () => ok(undefined));
    recomputeConfig(this.r);
    becomeFollower(this.r, this.r.term, null);
  }

  tick(): void {
    tick(this.r);
  }

  /** Rejects (never throws on) malformed, misaddressed or irrelevant messages. */
  step(message: RaftMessage): Result<void> {
    const parsed = parseRaftMessage(message);
    if (!parsed.ok) return parsed;
    return step(this.r, parsed.value);
  }

  /**
   * step() for a message that parseRaftMessage itself produced (decodeWire
   * with its default validator does): skips validating it a second time.
   * Misaddressed or irrelevant messages are still refused.
   */
  stepParsed(message: RaftMessage): Result<void> {
    return step(this.r, message);
  }

  propose(data: string): Result<{ index: number; term: number }> {
    const r = this.r;
    if (r.role !== "leader" || !isMember(r.config, r.id)) return err(notLeader(r));
    if (r.leadTransferee !== null) return err(transferInProgress(r));
    if (data.length > maxEntryDataBytes) {
      return err(blixardError("entry-too-large", `proposal of ${data.length} bytes exceeds ${maxEntryDataBytes}`, { nodeId: r.id }));
    }
    const uncommitted = r.log.lastIndex() - r.log.committed;
    if (uncommitted >= r.cfg.maxUncommittedEntries) {
      return err(
        blixardError("proposal-backpressure", `leader ${r.id} has ${uncommitted} uncommitted entries (limit ${r.cfg.maxUncommittedEntries})`, {
          nodeId: r.id,
          hint: "retry after earlier proposals commit",
        }),
      );
    }
    return ok(leaderAppend(r, "normal", data));
  }

  proposeConfigChange(change: ConfigChange): Result<{ index: number; term: number }> {
    return proposeConfigChange(this.r, change);
  }

  readIndex(requestId: string): Result<void> {
    return readIndex(this.r, requestId);
  }

  transferLeadership(to: NodeId): Result<void> {
    return transferLeadership(this.r, to);
  }

  /**
   * The app snapshotted its state at snapshot.meta.index (<= applied). Raft keeps
   * the snapshot for lagging followers and drops the log up to it, less the
   * last `retainedEntries` entries it covers (a slightly lagging follower
   * then catches up from the log, as etcd's SnapshotCatchUpEntries). The
   * snapshot's config (and the index of the entry that made it) comes from
   * raft's own log, so the caller names only the point and the image.
   */
  compact(snapshot: { readonly meta: Pick<SnapshotMeta, "index" | "term">; readonly data: string }, retainedEntries = 0): Result<void> {
    const r = this.r;
    const { index, term } = snapshot.meta;
    if (index <= (r.log.snapshot?.meta.index ?? 0) || index <= r.log.snapshotIndex) return ok(undefined);
    if (index > r.log.applied) {
      return err(blixardError("compact-beyond-applied", `cannot compact ${r.id} to ${index}: applied is ${r.log.applied}`, { nodeId: r.id }));
    }
    if (r.log.term(index) !== term) {
      return err(
        blixardError("compact-term-mismatch", `snapshot at ${index} has term ${term}, log has ${r.log.term(index)}`, { nodeId: r.id }),
      );
    }
    const made = configAt(r, index);
    r.log.compact({ meta: { index, term, config: made.config, configIndex: made.index }, data: snapshot.data }, index - Math.max(0, Math.floor(retainedEntries)));
    return ok(undefined);
  }

  /** The snapshot raft currently holds (the latest compaction point); persist this one. */
  latestSnapshot(): Snapshot | null {
    return this.r.log.snapshot;
  }

  hasReady(): boolean {
    return hasReady(this.r);
  }

  ready(): Ready {
    return ready(this.r);
  }

  advance(rd: Ready): void {
    advance(this.r, rd);
  }

  status(): RaftStatus {
    const r = this.r;
    const base = {
      id: r.id,
      term: r.term,
      role: r.publicRole(),
      leaderId: r.leaderId,
      commitIndex: r.log.committed,
      appliedIndex: r.log.applied,
      lastIndex: r.log.lastIndex(),
      lastTerm: r.log.lastTerm(),
      firstIndex: r.log.firstIndex(),
      config: r.config,
      configIndex: r.configIndex,
      votedFor: r.votedFor,
      leadTransferee: r.leadTransferee,
    };
    if (r.role !== "leader") return base;
    const progress: Record<NodeId, PeerProgress> = {};
    for (const [id, pr] of [...r.progress.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) progress[id] = pr.view();
    return { ...base, progress };
  }

  /** Cheap reads for hot paths (status() builds a whole report). */
  get role(): RaftRole {
    return this.r.publicRole();
  }

  get leaderId(): NodeId | null {
    return this.r.leaderId;
  }

  get clusterConfig(): ClusterConfig {
    return this.r.config;
  }

  get firstIndex(): number {
    return this.r.log.firstIndex();
  }

  get lastIndex(): number {
    return this.r.log.lastIndex();
  }

  isVoter(id: NodeId): boolean {
    return isVoter(this.r.config, id);
  }

  logTermAt(index: number): number | undefined {
    return this.r.log.term(index);
  }

  entriesInMemory(): readonly Entry[] {
    return this.r.log.all();
  }
}
