import { type BlixardError, blixardError, err, ok, type Result } from "../errors";
import type { TimerHandle } from "../ports/clock";
import type { Runtime } from "../ports/runtime";
import { type ClientOpRegistry, defaultClientOps } from "../protocol/client-ops";
import { unavailable } from "../protocol/client-errors";
import { decodeRaftFrame, decodeWire, encodeRaftWire, encodeWire, internalClientId, isRaftFrame, refusedRequestId, type WireCodecOptions } from "../protocol/wire";
import type { WireMessage } from "../protocol/wire-types";
import { isMember, leaseDurationMs, Raft } from "../raft/index";
import type { Entry, Snapshot } from "../raft/log-types";
import type { RaftMessage } from "../raft/messages";
import type { Ready, RaftStatus, ReadState } from "../raft/types";
import type { AnyStateModule } from "../state/queryable";
import { type ApplyOutcome, StateMachine } from "../state/state-machine";
import { RaftLogStore } from "../storage/index";
import type { NodeConfig } from "./node-config";
import type { NodeObserver, RaftLogView } from "./node-observer";
import { ClientGateway } from "./client-gateway";
import { PendingRequests } from "./pending-requests";
import { defaultModules, type NodeService } from "./node-service";
import { buildNodeStatus, isNodeStatusOp, type NodeStatusView } from "./node-status";
import { MembershipDriver } from "./membership-ops";

export interface NodeOptions {
  readonly observer?: NodeObserver;
  /** State modules of the replicated state machine (default: kv + cluster). */
  readonly modules?: () => AnyStateModule[];
  readonly clientOps?: ClientOpRegistry;
  /** Host-side services (VM controller, scheduler loop) driven by the node's ticks and applies. */
  readonly services?: (node: BlixardNode) => NodeService[];
}

export type NodeHealth = "starting" | "serving" | "failed" | "stopped";

/**
 * One Blixard node: Raft, its durable log, the replicated state machine and
 * the client API, driven by the Runtime's clock and network. Every input
 * (tick, peer message, client request) runs to completion: step raft, then
 * drain Ready (persist → send → apply → answer) before the next input.
 */
export class BlixardNode {
  private raft: Raft | null = null;
  private store: RaftLogStore | null = null;
  private readonly sm: StateMachine;
  private readonly pending: PendingRequests;
  private readonly codec: WireCodecOptions;
  private readonly services: NodeService[];
  private tickTimer: TimerHandle | null = null;
  private drainScheduled = false;
  private lastSnapshotIndex = 0;
  private healthState: NodeHealth = "starting";
  private failure: BlixardError | null = null;
  private appliedSinceNotify: { outcome: ApplyOutcome; entry: Entry }[] = [];
  private snapshotReplacedState = false;
  private readonly membership: MembershipDriver;
  private readonly gateway: ClientGateway;
  private readonly logViewValue: RaftLogView = {
    firstIndex: () => this.raft?.firstIndex ?? 1,
    lastIndex: () => this.raft?.lastIndex ?? 0,
    termAt: (index) => this.raft?.logTermAt(index),
  };

  constructor(
    readonly runtime: Runtime,
    readonly config: NodeConfig,
    private readonly options: NodeOptions = {},
  ) {
    this.sm = new StateMachine((options.modules ?? defaultModules)());
    this.pending = new PendingRequests(config.maxPendingRequests);
    this.codec = { clientOps: options.clientOps ?? defaultClientOps(), maxMessageBytes: config.maxMessageBytes };
    this.services = options.services?.(this) ?? [];
    this.membership = new MembershipDriver({
      nodeId: config.nodeId,
      raft: () => this.raft,
      nowMs: () => this.nowMs(),
      awaitApply: (w, index, term, op) => this.pending.add({ ...w, waitingFor: { kind: "apply", index, term }, op }),
      reply: (to, requestId, result) => this.gateway.reply(to, requestId, result),
      ...(options.observer?.proposed === undefined ? {} : { proposed: () => options.observer?.proposed?.(config.nodeId, "membership") }),
    });
    this.gateway = new ClientGateway({
      nodeId: config.nodeId,
      bootNonce: runtime.random.nextUint32().toString(16).padStart(8, "0") + runtime.random.nextUint32().toString(16).padStart(8, "0"),
      requestTimeoutMs: config.requestTimeoutMs,
      maxPendingRequestsPerClient: config.maxPendingRequestsPerClient,
      clientOps: this.codec.clientOps ?? defaultClientOps(),
      pending: this.pending,
      sm: this.sm,
      membership: this.membership,
      raft: () => this.raft,
      monotonicMs: () => this.nowMs(),
      wallClockMs: () => this.runtime.clock.wallClockMs(),
      send: (to, message) => this.send(to, message),
      observe: {
        ...(options.observer?.proposed === undefined ? {} : { proposed: (kind) => options.observer?.proposed?.(config.nodeId, kind) }),
        ...(options.observer?.clientRequestAnswered === undefined
          ? {}
          : { clientRequestAnswered: (operation, outcome, durationMs) => options.observer?.clientRequestAnswered?.(config.nodeId, operation, outcome, durationMs) }),
      },
    });
  }

  get nodeId(): string {
    return this.config.nodeId;
  }

  get health(): NodeHealth {
    return this.healthState;
  }

  get stateMachine(): StateMachine {
    return this.sm;
  }

  /** Open the durable log, rebuild state from disk alone, and start serving. */
  start(): Result<void> {
    this.runtime.net.onReceive((from, payload) => this.onReceive(from, payload));
    // A transport that knows when a peer drops (the real one) lets forwards to a dead leader fail fast.
    // Members only: a vanished client is no leader, and its id must not be remembered.
    this.runtime.net.onUnreachable?.((peer) => {
      if (this.isMember(peer)) this.gateway.peerUnreachable(peer);
    });
    const opened = RaftLogStore.open(this.runtime.disk, this.nodeId);
    if (!opened.ok) return this.failStart(opened.error);
    const { store, recovered } = opened.value;
    if (recovered.snapshot !== null) {
      const restored = this.sm.restore(recovered.snapshot.data);
      if (!restored.ok) return this.failStart(restored.error);
      this.lastSnapshotIndex = recovered.snapshot.meta.index;
    }
    this.store = store;
    const c = this.config;
    if (c.readMode === "lease" && this.leaseMs() < 1) {
      return this.failStart(
        blixardError("invalid-node-config", `node ${this.nodeId}: readMode "lease" needs a lease longer than 0 ms; the election timeout (${c.electionTimeoutTicks} ticks of ${c.tickIntervalMs} ms) is too short for it`, {
          nodeId: this.nodeId,
          hint: "raise electionTimeoutTicks, or use readMode \"read-index\"",
        }),
      );
    }
    this.raft = new Raft(this.raftConfig(), {
      hardState: recovered.hardState,
      snapshot: recovered.snapshot,
      entries: recovered.entries,
      bootstrapConfig: {
        voters: [...this.config.bootstrapVoters].sort(),
        learners: [...(this.config.bootstrapLearners ?? [])].sort(),
        votersOutgoing: [],
      },
      appliedIndex: this.sm.appliedIndex,
    });
    this.healthState = "serving";
    this.runtime.tracer.event("node-started", {
      node: this.nodeId,
      term: recovered.hardState.term,
      snapshotIndex: recovered.snapshot?.meta.index ?? 0,
      entries: recovered.entries.length,
      tornTailDiscarded: recovered.tornTailDiscarded,
    });
    for (const service of this.services) service.start?.();
    this.scheduleTick();
    this.drainReady();
    return ok(undefined);
  }

  /** Stop ticking and answering (a clean shutdown; a crash is the runtime dropping the node). */
  stop(): void {
    if (this.tickTimer !== null) this.runtime.clock.cancelTimer(this.tickTimer);
    this.tickTimer = null;
    for (const service of this.services) service.stop?.();
    this.healthState = "stopped";
  }

  raftStatus(): RaftStatus | null {
    return this.raft?.status() ?? null;
  }

  failureReason(): BlixardError | null {
    return this.failure;
  }

  /** Client requests held unanswered (own proposals, reads, forwards): a gauge for /metrics. */
  pendingRequestCount(): number {
    return this.pending.size;
  }

  /** This node's own view of itself, as the `node status` client op answers it. */
  nodeStatus(): NodeStatusView {
    return buildNodeStatus({
      nodeId: this.nodeId,
      health: this.healthState,
      failure: this.failure,
      raft: this.raftStatus(),
      appliedIndex: this.sm.appliedIndex,
      pendingRequests: this.pending.size,
    });
  }

  isLeader(): boolean {
    return this.raft?.role === "leader";
  }

  private isMember(id: string): boolean {
    const config = this.raft?.clusterConfig;
    return config !== undefined && isMember(config, id);
  }

  /** A live view of this node's Raft log (one object per node: observers get it on every persist). */
  logView(): RaftLogView {
    return this.logViewValue;
  }

  /**
   * Propose an internal command (scheduler placement, host heartbeat, VM status)
   * without a client session. On a follower it is forwarded to the leader.
   */
  proposeInternal(module: string, command: unknown): Result<void> {
    if (this.healthState !== "serving") return err(unavailable(this.nodeId, "the node is not serving"));
    return this.gateway.proposeInternal({ requestId: this.gateway.nextInternalRequestId(), clientId: internalClientId(this.nodeId), op: { module, command } });
  }

  // ---- inputs ---------------------------------------------------------------------------------

  private onTick(): void {
    this.tickTimer = null;
    if (this.healthState !== "serving" || this.raft === null) return;
    this.raft.tick();
    this.gateway.expire();
    this.membership.tick();
    for (const service of this.services) service.tick?.();
    this.requestDrain();
    this.scheduleTick();
  }

  private onReceive(from: string, payload: Uint8Array): void {
    this.gateway.peerHeard(from);
    if (isRaftFrame(payload)) {
      this.onRaftFrame(from, payload);
      return;
    }
    const decoded = decodeWire(payload, from, this.codec);
    if (!decoded.ok) {
      this.runtime.tracer.warn("wire-rejected", { node: this.nodeId, from, code: decoded.error.code, why: decoded.error.message.slice(0, 200) });
      // A well-formed but invalid request (bad field, value too large) gets its specific error back.
      const refused = refusedRequestId(payload);
      if (refused !== null) this.gateway.replyError(from, refused.requestId, decoded.error);
      return;
    }
    if (decoded.value.kind === "client-request" && isNodeStatusOp(decoded.value.op)) {
      // Answered here, serving or not, never forwarded: it is this node's own view of itself.
      this.send(from, { v: 1, kind: "client-response", requestId: decoded.value.requestId, result: this.nodeStatus() });
      return;
    }
    if (this.healthState !== "serving" || this.raft === null) {
      this.gateway.refuse(from, decoded.value, this.failure === null ? "the node is not serving" : `${this.failure.code}: ${this.failure.message}`);
      return;
    }
    this.dispatch(from, decoded.value);
    this.requestDrain();
  }

  /** A peer's Raft message: the path most traffic takes, without the wire wrapper (a Raft frame never gets a reply). */
  private onRaftFrame(from: string, payload: Uint8Array): void {
    const decoded = decodeRaftFrame(payload, from, this.codec);
    if (!decoded.ok) {
      this.runtime.tracer.warn("wire-rejected", { node: this.nodeId, from, code: decoded.error.code, why: decoded.error.message.slice(0, 200) });
      return;
    }
    if (this.healthState !== "serving" || this.raft === null) return;
    this.stepRaft(decoded.value);
    this.requestDrain();
  }

  private dispatch(from: string, message: WireMessage): void {
    switch (message.kind) {
      case "raft":
        this.stepRaft(message.msg);
        return;
      case "client-request":
        this.gateway.accept(from, message, `${from}\u0000${message.requestId}`, true);
        return;
      case "forward":
        // Only peers forward: a client posing as a forwarder could slip past its session checks.
        if (!this.isMember(from)) {
          this.runtime.tracer.warn("forward-rejected", { node: this.nodeId, from, why: "not a cluster member" });
          return;
        }
        this.gateway.accept(from, message.request, `${from}\u0000${message.request.requestId}`, false);
        return;
      case "client-response":
        this.gateway.relay(from, message);
        return;
    }
  }

  private stepRaft(msg: RaftMessage): void {
    // decodeWire validated it (parseDecodedRaftMessage, or parseFreshRaftMessage for JSON): no second pass.
    const stepped = this.raft?.stepParsed(msg);
    if (stepped !== undefined && !stepped.ok) {
      this.runtime.tracer.event("raft-message-rejected", { node: this.nodeId, type: msg.type, from: msg.from, code: stepped.error.code });
    }
  }

  // ---- Ready -----------------------------------------------------------------------------------

  /**
   * Drain Ready once the inputs waiting in this turn of the event loop are
   * stepped (Clock.runSoon), so that all of them are persisted in one
   * transaction with one fsync: under load, one sync covers many client
   * writes and appends (group commit). Without runSoon, drain now.
   */
  private requestDrain(): void {
    const clock = this.runtime.clock;
    if (clock.runSoon === undefined) {
      this.drainReady();
      return;
    }
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    clock.runSoon(() => {
      this.drainScheduled = false;
      this.drainReady();
    });
  }

  /** Persist → send → apply → answer, until raft has nothing more to hand out. */
  private drainReady(): void {
    const raft = this.raft;
    const store = this.store;
    if (raft === null || store === null) return;
    for (let round = 0; raft.hasReady() && this.healthState === "serving"; round++) {
      if (round > 1_000) throw new Error(`node ${this.nodeId}: Ready loop did not settle after 1000 rounds`);
      const rd = raft.ready();
      if (!this.persist(store, rd)) return;
      for (let i = 0; i < rd.messages.length; i++) this.sendRaft(rd.messages[i] as RaftMessage);
      if (rd.snapshotToPersist !== null) this.installSnapshot(rd.snapshotToPersist);
      this.applyCommitted(rd.committedEntries);
      for (let i = 0; i < rd.readStates.length; i++) {
        const readState = rd.readStates[i] as ReadState;
        this.gateway.readConfirmed(readState.requestId, readState.index);
      }
      if (rd.softState !== null) this.roleChanged(rd.softState.role, rd.softState.term, rd.softState.leaderId);
      raft.advance(rd);
      // Services run after advance: what they propose lands in the next Ready, never inside this one.
      this.notifyServices(rd.softState);
      if (rd.committedEntries.length > 0 || rd.readStates.length > 0) this.gateway.answerReads();
      this.maybeSnapshot();
    }
  }

  private persist(store: RaftLogStore, rd: Ready): boolean {
    if (rd.hardState === null && rd.entriesToPersist.length === 0 && rd.snapshotToPersist === null) return true;
    const persisted = store.persist(rd.hardState === null ? { entries: rd.entriesToPersist, snapshot: rd.snapshotToPersist } : { hardState: rd.hardState, entries: rd.entriesToPersist, snapshot: rd.snapshotToPersist });
    if (!persisted.ok) {
      this.failServing(persisted.error);
      return false;
    }
    if (rd.entriesToPersist.length > 0) this.options.observer?.entriesPersisted?.(this.nodeId, rd.entriesToPersist, this.logView());
    return true;
  }

  private installSnapshot(snapshot: Snapshot): void {
    const startedMs = this.options.observer?.snapshotRestored === undefined ? 0 : this.nowMs();
    const restored = this.sm.restore(snapshot.data);
    if (!restored.ok) {
      this.failServing(restored.error);
      return;
    }
    this.lastSnapshotIndex = snapshot.meta.index;
    this.options.observer?.snapshotInstalled?.(this.nodeId, snapshot.meta.index, snapshot.meta.term);
    this.options.observer?.snapshotRestored?.(this.nodeId, snapshot.meta.index, snapshot.data.length, this.nowMs() - startedMs);
    this.runtime.tracer.event("snapshot-installed", { node: this.nodeId, index: snapshot.meta.index, term: snapshot.meta.term });
    this.snapshotReplacedState = true;
  }

  /** Apply one Ready's committed entries; timed only for an observer that counts them. */
  private applyCommitted(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const observe = this.options.observer?.entriesApplied;
    const startedMs = observe === undefined ? 0 : this.nowMs();
    for (let i = 0; i < entries.length; i++) this.applyEntry(entries[i] as Entry);
    observe?.call(this.options.observer, this.nodeId, entries.length, this.nowMs() - startedMs);
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.sm.appliedIndex) return; // already in the restored snapshot
    const outcome = this.sm.apply(entry);
    if (outcome.result !== null && !outcome.result.ok && this.isLeader()) {
      this.runtime.tracer.event("apply-rejected", { node: this.nodeId, index: entry.index, module: outcome.module, code: outcome.result.error.code, why: outcome.result.error.message.slice(0, 200) });
    }
    this.options.observer?.entryApplied?.(this.nodeId, entry, this.sm.digest);
    if (this.services.length > 0) this.appliedSinceNotify.push({ outcome, entry });
    this.gateway.applied(entry, outcome);
  }

  private roleChanged(role: string, term: number, leaderId: string | null): void {
    this.runtime.tracer.event("role-changed", { node: this.nodeId, role, term, leader: leaderId });
    this.options.observer?.roleChanged?.(this.nodeId, role, term, leaderId, this.logView());
    this.membership.roleChanged(role, term, leaderId);
    if (role !== "leader") this.gateway.failReads(leaderId);
  }

  private notifyServices(softState: Ready["softState"]): void {
    if (this.services.length === 0) return;
    const applied = this.appliedSinceNotify;
    this.appliedSinceNotify = [];
    for (const service of this.services) {
      if (softState !== null) service.roleChanged?.(softState.role, softState.term, softState.leaderId);
      if (this.snapshotReplacedState) service.stateReplaced?.();
      for (const { outcome, entry } of applied) service.applied?.(outcome, entry);
    }
    this.snapshotReplacedState = false;
  }

  private maybeSnapshot(): void {
    const raft = this.raft;
    const store = this.store;
    if (raft === null || store === null) return;
    if (this.sm.appliedIndex - this.lastSnapshotIndex < this.config.snapshotThresholdEntries) return;
    const startedMs = this.options.observer?.snapshotTaken === undefined ? 0 : this.nowMs();
    const compacted = raft.compact({ meta: { index: this.sm.appliedIndex, term: this.sm.appliedTerm }, data: this.sm.snapshot() }, this.config.snapshotCatchUpEntries);
    if (!compacted.ok) {
      this.runtime.tracer.warn("compaction-skipped", { node: this.nodeId, code: compacted.error.code });
      return;
    }
    const snapshot = raft.latestSnapshot();
    if (snapshot === null) return;
    const stored = store.compact(snapshot);
    if (!stored.ok) {
      this.failServing(stored.error);
      return;
    }
    this.lastSnapshotIndex = snapshot.meta.index;
    this.runtime.tracer.event("snapshot-taken", { node: this.nodeId, index: snapshot.meta.index });
    this.options.observer?.snapshotTaken?.(this.nodeId, snapshot.meta.index, snapshot.data.length, this.nowMs() - startedMs);
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private send(to: string, message: WireMessage): void {
    this.runtime.net.send(to, encodeWire(message));
  }

  /** A Raft message straight to its binary frame (no wire wrapper per message; snapshot chunks go as JSON). */
  private sendRaft(message: RaftMessage): void {
    this.runtime.net.send(message.to, encodeRaftWire(message));
  }

  private scheduleTick(): void {
    if (this.tickTimer === null) this.tickTimer = this.runtime.clock.setTimer(this.config.tickIntervalMs, () => this.onTick());
  }

  private nowMs(): number {
    return this.runtime.clock.monotonicMs();
  }

  private raftConfig() {
    const c = this.config;
    return {
      id: c.nodeId,
      electionTimeoutTicks: c.electionTimeoutTicks,
      heartbeatIntervalTicks: c.heartbeatIntervalTicks,
      preVote: true,
      checkQuorum: true,
      maxEntriesPerAppend: c.maxEntriesPerAppend,
      maxBytesPerAppend: c.maxBytesPerAppend,
      maxInflightAppends: c.maxInflightAppends,
      maxUncommittedEntries: c.maxUncommittedEntries,
      snapshotChunkBytes: c.snapshotChunkBytes,
      random: this.runtime.random,
      leaseReads: c.readMode === "lease" ? { leaseMs: this.leaseMs(), nowMs: () => this.runtime.clock.monotonicMs() } : null,
      // Whatever this node's read mode: another node may read under a lease this node acknowledged before a restart.
      voteBlackoutAfterStart: true,
    };
  }

  /** The read lease these timeouts and this drift bound allow (used only with readMode "lease"). */
  private leaseMs(): number {
    const c = this.config;
    return leaseDurationMs(c.electionTimeoutTicks, c.tickIntervalMs, c.maxClockDriftPpm);
  }

  private failStart(error: BlixardError): Result<void> {
    this.failServing(error);
    return err(error);
  }

  /** The node refuses to serve rather than serve garbage: corrupt storage, a disk that failed. */
  private failServing(error: BlixardError): void {
    this.failure = error;
    this.healthState = "failed";
    if (this.tickTimer !== null) this.runtime.clock.cancelTimer(this.tickTimer);
    this.tickTimer = null;
    this.runtime.tracer.warn("node-failed", { node: this.nodeId, code: error.code, why: error.message.slice(0, 300) });
    this.options.observer?.nodeFailed?.(this.nodeId, error.code, error.message);
  }
}
