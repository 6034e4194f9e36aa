import { type BlixardError, err, ok, type Result } from "../errors";
import type { TimerHandle } from "../ports/clock";
import type { Runtime } from "../ports/runtime";
import { type ClientOpRegistry, defaultClientOps } from "../protocol/client-ops";
import { notLeader, requestTimeout, unavailable } from "../protocol/client-errors";
import { encodeClientCommand } from "../protocol/client-command";
import { decodeWire, encodeWire, internalClientId, refusedRequestId, type WireCodecOptions } from "../protocol/wire";
import type { ClientRequestBody, WireError, WireMessage } from "../protocol/wire-types";
import { parseRaftMessage, Raft } from "../raft/index";
import type { Entry, Snapshot } from "../raft/log-types";
import type { RaftMessage } from "../raft/messages";
import type { Ready, RaftStatus } from "../raft/types";
import type { AnyStateModule } from "../state/queryable";
import { type ApplyOutcome, StateMachine } from "../state/state-machine";
import { RaftLogStore } from "../storage/index";
import type { NodeConfig } from "./node-config";
import type { NodeObserver, RaftLogView } from "./node-observer";
import { PendingRequests, type PendingRequest } from "./pending-requests";
import { defaultModules, type NodeService } from "./node-service";
import { buildNodeStatus, isNodeStatusOp, type NodeStatusView } from "./node-status";
import { configChangeApplied, isMembershipOp, MembershipDriver, membershipOpsModuleName } from "./membership-ops";

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
  private lastSnapshotIndex = 0;
  private forwardCounter = 0;
  private healthState: NodeHealth = "starting";
  private failure: BlixardError | null = null;
  private appliedSinceNotify: { outcome: ApplyOutcome; entry: Entry }[] = [];
  private snapshotReplacedState = false;
  private readonly membership: MembershipDriver;

  constructor(
    readonly runtime: Runtime,
    readonly config: NodeConfig,
    private readonly options: NodeOptions = {},
  ) {
    this.sm = new StateMachine((options.modules ?? defaultModules)());
    this.pending = new PendingRequests(config.maxPendingRequests);
    this.codec = { parseRaftMessage, clientOps: options.clientOps ?? defaultClientOps(), maxMessageBytes: config.maxMessageBytes };
    this.services = options.services?.(this) ?? [];
    this.membership = new MembershipDriver({
      nodeId: config.nodeId,
      raft: () => this.raft,
      nowMs: () => this.nowMs(),
      awaitApply: (w, index, term, op) => this.pending.add({ ...w, waitingFor: { kind: "apply", index, term }, op }),
      reply: (to, requestId, result) => (result.ok ? this.send(to, { v: 1, kind: "client-response", requestId, result: result.value }) : this.replyError(to, requestId, result.error)),
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
    const opened = RaftLogStore.open(this.runtime.disk, this.nodeId);
    if (!opened.ok) return this.failStart(opened.error);
    const { store, recovered } = opened.value;
    if (recovered.snapshot !== null) {
      const restored = this.sm.restore(recovered.snapshot.data);
      if (!restored.ok) return this.failStart(restored.error);
      this.lastSnapshotIndex = recovered.snapshot.meta.index;
    }
    this.store = store;
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
    return config !== undefined && (config.voters.includes(id) || config.learners.includes(id) || config.votersOutgoing.includes(id));
  }

  logView(): RaftLogView {
    const raft = this.raft;
    return {
      firstIndex: () => raft?.firstIndex ?? 1,
      lastIndex: () => raft?.lastIndex ?? 0,
      termAt: (index) => raft?.logTermAt(index),
    };
  }

  /**
   * Propose an internal command (scheduler placement, host heartbeat, VM status)
   * without a client session. On a follower it is forwarded to the leader.
   */
  proposeInternal(module: string, command: unknown): Result<void> {
    const body: ClientRequestBody = {
      requestId: `internal-${this.nextForwardId()}`,
      clientId: internalClientId(this.nodeId),
      op: { module, command },
    };
    if (this.raft === null || this.healthState !== "serving") return err(unavailable(this.nodeId, "the node is not serving"));
    if (this.isLeader()) return this.proposeBody(body, null);
    const leader = this.raft.leaderId;
    if (leader === null || leader === this.nodeId) return err(notLeader(this.nodeId, null));
    this.send(leader, { v: 1, kind: "forward", request: body });
    return ok(undefined);
  }

  // ---- inputs ---------------------------------------------------------------------------------

  private onTick(): void {
    this.tickTimer = null;
    if (this.healthState !== "serving" || this.raft === null) return;
    this.raft.tick();
    this.expireRequests();
    this.membership.tick();
    for (const service of this.services) service.tick?.();
    this.drainReady();
    this.scheduleTick();
  }

  private onReceive(from: string, payload: Uint8Array): void {
    const decoded = decodeWire(payload, from, this.codec);
    if (!decoded.ok) {
      this.runtime.tracer.warn("wire-rejected", { node: this.nodeId, from, code: decoded.error.code, why: decoded.error.message.slice(0, 200) });
      // A well-formed but invalid request (bad field, value too large) gets its specific error back.
      const refused = refusedRequestId(payload);
      if (refused !== null) this.replyError(from, refused.requestId, decoded.error);
      return;
    }
    if (decoded.value.kind === "client-request" && isNodeStatusOp(decoded.value.op)) {
      // Answered here, serving or not, never forwarded: it is this node's own view of itself.
      this.send(from, { v: 1, kind: "client-response", requestId: decoded.value.requestId, result: this.nodeStatus() });
      return;
    }
    if (this.healthState !== "serving" || this.raft === null) {
      this.refuseWhileDown(from, decoded.value);
      return;
    }
    this.dispatch(from, decoded.value);
    this.drainReady();
  }

  private dispatch(from: string, message: WireMessage): void {
    switch (message.kind) {
      case "raft":
        this.stepRaft(message.msg);
        return;
      case "client-request":
        this.acceptClientRequest(from, message, `${from}\u0000${message.requestId}`, true);
        return;
      case "forward":
        // Only peers forward: a client posing as a forwarder could slip past its session checks.
        if (!this.isMember(from)) {
          this.runtime.tracer.warn("forward-rejected", { node: this.nodeId, from, why: "not a cluster member" });
          return;
        }
        this.acceptClientRequest(from, message.request, `${from}\u0000${message.request.requestId}`, false);
        return;
      case "client-response":
        this.relayForwardedResponse(from, message);
        return;
    }
  }

  private stepRaft(msg: RaftMessage): void {
    const stepped = this.raft?.step(msg);
    if (stepped !== undefined && !stepped.ok) {
      this.runtime.tracer.event("raft-message-rejected", { node: this.nodeId, type: msg.type, from: msg.from, code: stepped.error.code });
    }
  }

  // ---- client requests --------------------------------------------------------------------------

  private acceptClientRequest(replyTo: string, body: ClientRequestBody, key: string, forwardable: boolean): void {
    if (this.pending.has(key)) return; // a retry of a request already in hand: the first answer serves both
    if (this.pending.isFull()) {
      this.replyError(replyTo, body.requestId, unavailable(this.nodeId, `${this.pending.size} requests are pending (maxPendingRequests)`));
      return;
    }
    const raft = this.raft;
    if (raft === null) return;
    if (raft.role === "leader") {
      const proposed = this.proposeBody(body, { key, replyTo });
      if (!proposed.ok) this.replyError(replyTo, body.requestId, proposed.error, raft.leaderId);
      return;
    }
    const leader = raft.leaderId;
    if (leader === null || leader === this.nodeId || !forwardable) {
      // Forward a client's request once: a forwarded request that lands on a non-leader bounces back.
      this.replyError(replyTo, body.requestId, notLeader(this.nodeId, leader), leader);
      return;
    }
    const forwardId = `${this.nodeId}/fwd/${this.nextForwardId()}`;
    this.pending.add({
      key: forwardId,
      requestId: body.requestId,
      replyTo,
      deadlineMs: this.nowMs() + this.config.requestTimeoutMs,
      waitingFor: { kind: "forward", leaderId: leader },
      op: null,
    });
    const request: ClientRequestBody = { requestId: forwardId, clientId: body.clientId, ...(body.seq === undefined ? {} : { seq: body.seq }), op: body.op };
    this.send(leader, { v: 1, kind: "forward", request });
  }

  /** On the leader: a write becomes a log entry; a read waits for ReadIndex. `waiter` null = fire and forget. */
  private proposeBody(body: ClientRequestBody, waiter: { key: string; replyTo: string } | null): Result<void> {
    const raft = this.raft;
    if (raft === null) return err(unavailable(this.nodeId, "the node is not serving"));
    const deadlineMs = this.nowMs() + this.config.requestTimeoutMs;
    if (body.op.module === membershipOpsModuleName) {
      return this.membership.start(body.op, waiter === null ? null : { ...waiter, requestId: body.requestId, deadlineMs });
    }
    if (this.codec.clientOps?.isReadOnly(body.op) === true) {
      if (waiter === null) return ok(undefined);
      const asked = raft.readIndex(waiter.key);
      if (!asked.ok) return asked;
      this.pending.add({ ...waiter, requestId: body.requestId, deadlineMs, waitingFor: { kind: "read", index: null }, op: body.op });
      return ok(undefined);
    }
    const data = encodeClientCommand(body, Math.max(0, Math.floor(this.runtime.clock.wallClockMs())));
    if (!data.ok) return data;
    const proposed = raft.propose(data.value);
    if (!proposed.ok) return proposed;
    if (waiter !== null) {
      const { index, term } = proposed.value;
      this.pending.add({ ...waiter, requestId: body.requestId, deadlineMs, waitingFor: { kind: "apply", index, term }, op: null });
    }
    return ok(undefined);
  }

  private relayForwardedResponse(from: string, message: Extract<WireMessage, { kind: "client-response" }>): void {
    const waiting = this.pending.get(message.requestId);
    if (waiting === undefined || waiting.waitingFor.kind !== "forward" || waiting.waitingFor.leaderId !== from) return;
    this.pending.take(message.requestId);
    this.send(waiting.replyTo, { ...message, requestId: waiting.requestId, leaderHint: from });
  }

  private refuseWhileDown(from: string, message: WireMessage): void {
    const why = this.failure === null ? "the node is not serving" : `${this.failure.code}: ${this.failure.message}`;
    if (message.kind === "client-request") this.replyError(from, message.requestId, unavailable(this.nodeId, why));
    if (message.kind === "forward") this.replyError(from, message.request.requestId, unavailable(this.nodeId, why));
  }

  private expireRequests(): void {
    for (const request of this.pending.expired(this.nowMs())) {
      this.replyError(request.replyTo, request.requestId, requestTimeout(this.nodeId, request.requestId));
    }
  }

  // ---- Ready -----------------------------------------------------------------------------------

  /** Persist → send → apply → answer, until raft has nothing more to hand out. */
  private drainReady(): void {
    const raft = this.raft;
    const store = this.store;
    if (raft === null || store === null) return;
    for (let round = 0; raft.hasReady() && this.healthState === "serving"; round++) {
      if (round > 1_000) throw new Error(`node ${this.nodeId}: Ready loop did not settle after 1000 rounds`);
      const rd = raft.ready();
      if (!this.persist(store, rd)) return;
      for (const message of rd.messages) this.send(message.to, { v: 1, kind: "raft", msg: message });
      if (rd.snapshotToPersist !== null) this.installSnapshot(rd.snapshotToPersist);
      for (const entry of rd.committedEntries) this.applyEntry(entry);
      for (const readState of rd.readStates) this.readConfirmed(readState.requestId, readState.index);
      if (rd.softState !== null) this.roleChanged(rd.softState.role, rd.softState.term, rd.softState.leaderId);
      raft.advance(rd);
      // Services run after advance: what they propose lands in the next Ready, never inside this one.
      this.notifyServices(rd.softState);
      if (rd.committedEntries.length > 0 || rd.readStates.length > 0) this.answerReads();
      this.maybeSnapshot();
    }
  }

  private persist(store: RaftLogStore, rd: Ready): boolean {
    if (rd.hardState === null && rd.entriesToPersist.length === 0 && rd.snapshotToPersist === null) return true;
    const persisted = store.persist({ ...(rd.hardState === null ? {} : { hardState: rd.hardState }), entries: rd.entriesToPersist, snapshot: rd.snapshotToPersist });
    if (!persisted.ok) {
      this.failServing(persisted.error);
      return false;
    }
    if (rd.entriesToPersist.length > 0) this.options.observer?.entriesPersisted?.(this.nodeId, rd.entriesToPersist, this.logView());
    return true;
  }

  private installSnapshot(snapshot: Snapshot): void {
    const restored = this.sm.restore(snapshot.data);
    if (!restored.ok) {
      this.failServing(restored.error);
      return;
    }
    this.lastSnapshotIndex = snapshot.meta.index;
    this.options.observer?.snapshotInstalled?.(this.nodeId, snapshot.meta.index, snapshot.meta.term);
    this.runtime.tracer.event("snapshot-installed", { node: this.nodeId, index: snapshot.meta.index, term: snapshot.meta.term });
    this.snapshotReplacedState = true;
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.sm.appliedIndex) return; // already in the restored snapshot
    const outcome = this.sm.apply(entry);
    if (outcome.result !== null && !outcome.result.ok && this.isLeader()) {
      this.runtime.tracer.event("apply-rejected", { node: this.nodeId, index: entry.index, module: outcome.module, code: outcome.result.error.code, why: outcome.result.error.message.slice(0, 200) });
    }
    this.options.observer?.entryApplied?.(this.nodeId, entry, this.sm.digest);
    if (this.services.length > 0) this.appliedSinceNotify.push({ outcome, entry });
    const waiter = this.pending.takeProposalAt(entry.index);
    if (waiter === undefined) return;
    if (waiter.waitingFor.kind === "apply" && waiter.waitingFor.term === entry.term) {
      // A membership op waits for its config entry, which the state machine applies without a result.
      this.answer(waiter, isMembershipOp(waiter.op) ? { ...outcome, result: configChangeApplied(waiter.op.command, entry) } : outcome);
    } else {
      this.replyError(waiter.replyTo, waiter.requestId, proposalDropped(this.nodeId, entry.index));
    }
  }

  private answer(waiter: PendingRequest, outcome: ApplyOutcome): void {
    const result = outcome.result;
    if (result === null) return;
    if (result.ok) this.send(waiter.replyTo, { v: 1, kind: "client-response", requestId: waiter.requestId, result: result.value });
    else this.replyError(waiter.replyTo, waiter.requestId, result.error);
  }

  private readConfirmed(key: string, index: number): void {
    if (this.pending.get(key)?.waitingFor.kind === "read") this.pending.update(key, { kind: "read", index });
  }

  /** Reads whose ReadIndex the state machine has reached are answered from applied state. */
  private answerReads(): void {
    const applied = this.sm.appliedIndex;
    const ready = this.pending.takeWhere((r) => r.waitingFor.kind === "read" && r.waitingFor.index !== null && r.waitingFor.index <= applied);
    for (const request of ready) {
      if (request.op === null) continue;
      const result = this.sm.query(request.op.module, request.op.command);
      if (result.ok) this.send(request.replyTo, { v: 1, kind: "client-response", requestId: request.requestId, result: result.value });
      else this.replyError(request.replyTo, request.requestId, result.error);
    }
  }

  private roleChanged(role: string, term: number, leaderId: string | null): void {
    this.runtime.tracer.event("role-changed", { node: this.nodeId, role, term, leader: leaderId });
    this.options.observer?.roleChanged?.(this.nodeId, role, term, leaderId, this.logView());
    this.membership.roleChanged(role, term, leaderId);
    if (role !== "leader") {
      // Unconfirmed reads can never be confirmed by a deposed leader; a read has no effect, so failing it is safe.
      for (const request of this.pending.takeWhere((r) => r.waitingFor.kind === "read")) {
        this.replyError(request.replyTo, request.requestId, notLeader(this.nodeId, leaderId), leaderId);
      }
    }
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
    const meta = { index: this.sm.appliedIndex, term: this.sm.appliedTerm, config: raft.clusterConfig };
    const compacted = raft.compact({ meta, data: this.sm.snapshot() });
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
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private send(to: string, message: WireMessage): void {
    this.runtime.net.send(to, encodeWire(message));
  }

  private replyError(to: string, requestId: string, error: BlixardError | WireError, leaderHint?: string | null): void {
    const hint = leaderHint ?? (error as WireError).leaderHint;
    const wireErr: WireError = { code: error.code, message: error.message, ...(error.nodeId === undefined ? {} : { nodeId: error.nodeId }), ...(error.hint === undefined ? {} : { hint: error.hint }) };
    this.send(to, { v: 1, kind: "client-response", requestId, error: wireErr, ...(hint === undefined || hint === null ? {} : { leaderHint: hint }) });
  }

  private scheduleTick(): void {
    if (this.tickTimer === null) this.tickTimer = this.runtime.clock.setTimer(this.config.tickIntervalMs, () => this.onTick());
  }

  private nowMs(): number {
    return this.runtime.clock.monotonicMs();
  }

  private nextForwardId(): number {
    this.forwardCounter += 1;
    return this.forwardCounter;
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
    };
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

function proposalDropped(nodeId: string, index: number): BlixardError {
  return {
    code: "proposal-dropped",
    message: `the proposal at index ${index} was replaced by another leader's entry before it committed`,
    nodeId,
    hint: "retry with the same client id and sequence number; it will apply at most once",
  };
}
