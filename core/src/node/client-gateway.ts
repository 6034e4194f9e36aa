import { type BlixardError, err, ok, type Result } from "../errors";
import type { ClientOpRegistry } from "../protocol/client-ops";
import { forwardLost, notLeader, overloaded, requestTimeout, unavailable } from "../protocol/client-errors";
import { encodeClientCommand } from "../protocol/client-command";
import type { ClientRequestBody, WireError, WireMessage } from "../protocol/wire-types";
import type { Raft } from "../raft/index";
import type { Entry } from "../raft/log-types";
import type { ApplyOutcome, StateMachine } from "../state/state-machine";
import { configChangeApplied, isMembershipOp, type MembershipDriver, membershipOpsModuleName } from "./membership-ops";
import type { ProposalKind } from "./node-observer";
import type { PendingRequest, PendingRequests } from "./pending-requests";
import { RequestMeter } from "./request-meter";

/** What the gateway needs from its node: narrow on purpose, so the request path reads in one file. */
export interface GatewayHost {
  readonly nodeId: string;
  /**
   * Random per node start: forward ids carry it, so a reply to a forward sent
   * before a restart (late, or replayed) can never match one sent after it,
   * when the counter starts again.
   */
  readonly bootNonce: string;
  readonly requestTimeoutMs: number;
  /** A client's own requests pending here, at most (NodeConfig.maxPendingRequestsPerClient). */
  readonly maxPendingRequestsPerClient: number;
  readonly clientOps: ClientOpRegistry;
  readonly pending: PendingRequests;
  readonly sm: StateMachine;
  readonly membership: MembershipDriver;
  raft(): Raft | null;
  monotonicMs(): number;
  wallClockMs(): number;
  send(to: string, message: WireMessage): void;
  /** Observations for metrics; absent hooks cost nothing. */
  readonly observe?: {
    readonly proposed?: (kind: ProposalKind) => void;
    readonly clientRequestAnswered?: (operation: string, outcome: string, durationMs: number) => void;
  };
}

/**
 * The client-facing half of a node: admits requests (its own clients' and
 * peers' forwards), proposes writes, starts ReadIndex for reads, forwards to
 * the leader from a follower, and answers each request exactly once — from the
 * applied entry, the confirmed read, the relayed leader reply, or a timeout.
 */
export class ClientGateway {
  private forwardCounter = 0;
  /** Peers the transport reported unreachable and not heard from since: no forwards go to them. */
  private readonly unreachablePeers = new Set<string>();
  /** Times a client's own requests, when the observer wants their latency. */
  private readonly meter: RequestMeter | null;

  constructor(private readonly host: GatewayHost) {
    const answered = host.observe?.clientRequestAnswered;
    this.meter = answered === undefined ? null : new RequestMeter(host.pending.capacity, 2 * host.requestTimeoutMs, answered);
  }

  /** A request from a client (`forwardable`) or a peer's forward (not forwarded again). */
  accept(replyTo: string, body: ClientRequestBody, key: string, forwardable: boolean): void {
    const { pending, nodeId } = this.host;
    if (pending.has(key)) return; // a retry of a request already in hand: the first answer serves both
    if (forwardable) this.meter?.start(`${replyTo}\u0000${body.requestId}`, body.op, this.host.monotonicMs());
    if (pending.isFull()) {
      this.replyError(replyTo, body.requestId, overloaded(nodeId, `${pending.size} requests are pending (maxPendingRequests)`));
      return;
    }
    if (forwardable && pending.countFor(replyTo) >= this.host.maxPendingRequestsPerClient) {
      this.replyError(replyTo, body.requestId, overloaded(nodeId, `client ${replyTo} has ${pending.countFor(replyTo)} requests pending (maxPendingRequestsPerClient)`));
      return;
    }
    const raft = this.host.raft();
    if (raft === null) return;
    if (raft.role === "leader") {
      const proposed = this.propose(body, { key, replyTo });
      if (!proposed.ok) this.replyError(replyTo, body.requestId, proposed.error, raft.leaderId);
      return;
    }
    const leader = raft.leaderId;
    if (leader === null || leader === nodeId || !forwardable || this.unreachablePeers.has(leader)) {
      // Forward a client's request once: a forwarded request that lands on a non-leader bounces back.
      // A leader this node cannot reach gets nothing forwarded: the client should try elsewhere now.
      const hint = leader !== null && this.unreachablePeers.has(leader) ? null : leader;
      this.replyError(replyTo, body.requestId, notLeader(nodeId, hint), hint);
      return;
    }
    this.forward(leader, replyTo, body);
  }

  /**
   * The transport says `peer` cannot be reached (its connection closed, a dial
   * failed). Requests forwarded to it are answered now — their outcome is
   * unknown, as after a timeout — instead of when they expire, and nothing more
   * is forwarded to it until it is heard from again.
   */
  peerUnreachable(peer: string): void {
    this.unreachablePeers.add(peer);
    const { pending } = this.host;
    const lost = pending.takeWhere((r) => r.waitingFor.kind === "forward" && r.waitingFor.leaderId === peer);
    for (const request of lost) this.replyError(request.replyTo, request.requestId, forwardLost(this.host.nodeId, peer, request.requestId));
  }

  /** A frame arrived from `peer`: it is reachable again. */
  peerHeard(peer: string): void {
    if (this.unreachablePeers.size > 0) this.unreachablePeers.delete(peer);
  }

  /** The node's own sessionless command (heartbeat, placement, VM status), proposed or forwarded. */
  proposeInternal(body: ClientRequestBody): Result<void> {
    const raft = this.host.raft();
    if (raft === null) return err(unavailable(this.host.nodeId, "the node is not serving"));
    if (raft.role === "leader") return this.propose(body, null, "internal");
    const leader = raft.leaderId;
    if (leader === null || leader === this.host.nodeId) return err(notLeader(this.host.nodeId, null));
    this.host.send(leader, { v: 1, kind: "forward", request: body });
    return ok(undefined);
  }

  nextInternalRequestId(): string {
    return `internal-${this.nextId()}`;
  }

  /** The leader's reply to a request this follower forwarded: pass it on, naming the leader. */
  relay(from: string, message: Extract<WireMessage, { kind: "client-response" }>): void {
    const waiting = this.host.pending.get(message.requestId);
    if (waiting === undefined || waiting.waitingFor.kind !== "forward" || waiting.waitingFor.leaderId !== from) return;
    this.host.pending.take(message.requestId);
    this.respond(waiting.replyTo, { ...message, requestId: waiting.requestId, leaderHint: from });
  }

  /** A node that is not serving still answers, so clients move on at once. */
  refuse(from: string, message: WireMessage, why: string): void {
    const error = unavailable(this.host.nodeId, why);
    if (message.kind === "client-request") this.replyError(from, message.requestId, error);
    if (message.kind === "forward") this.replyError(from, message.request.requestId, error);
  }

  expire(): void {
    this.meter?.sweep(this.host.monotonicMs());
    for (const request of this.host.pending.expired(this.host.monotonicMs())) {
      this.replyError(request.replyTo, request.requestId, requestTimeout(this.host.nodeId, request.requestId));
    }
  }

  /** An entry was applied: answer the proposal waiting for that index, or tell it another leader's entry won. */
  applied(entry: Entry, outcome: ApplyOutcome): void {
    const waiter = this.host.pending.takeProposalAt(entry.index);
    if (waiter === undefined) return;
    if (waiter.waitingFor.kind === "apply" && waiter.waitingFor.term === entry.term) {
      // A membership op waits for its config entry, which the state machine applies without a result.
      this.answer(waiter, isMembershipOp(waiter.op) ? { ...outcome, result: configChangeApplied(waiter.op.command, entry) } : outcome);
    } else {
      this.replyError(waiter.replyTo, waiter.requestId, proposalDropped(this.host.nodeId, entry.index));
    }
  }

  readConfirmed(key: string, index: number): void {
    const { pending } = this.host;
    if (pending.get(key)?.waitingFor.kind === "read") pending.update(key, { kind: "read", index });
  }

  /** Reads whose ReadIndex the state machine has reached are answered from applied state. */
  answerReads(): void {
    const { pending, sm } = this.host;
    if (pending.readCount === 0) return;
    const applied = sm.appliedIndex;
    const ready = pending.takeWhere((r) => r.waitingFor.kind === "read" && r.waitingFor.index !== null && r.waitingFor.index <= applied);
    for (const request of ready) {
      if (request.op === null) continue;
      this.reply(request.replyTo, request.requestId, sm.query(request.op.module, request.op.command));
    }
  }

  /** Unconfirmed reads can never be confirmed by a deposed leader; a read has no effect, so failing it is safe. */
  failReads(leaderId: string | null): void {
    if (this.host.pending.readCount === 0) return;
    for (const request of this.host.pending.takeWhere((r) => r.waitingFor.kind === "read")) {
      this.replyError(request.replyTo, request.requestId, notLeader(this.host.nodeId, leaderId), leaderId);
    }
  }

  reply(to: string, requestId: string, result: Result<unknown>): void {
    if (result.ok) this.respond(to, { v: 1, kind: "client-response", requestId, result: result.value });
    else this.replyError(to, requestId, result.error);
  }

  replyError(to: string, requestId: string, error: BlixardError | WireError, leaderHint?: string | null): void {
    const hint = leaderHint ?? (error as WireError).leaderHint;
    const wireErr: WireError = {
      code: error.code,
      message: error.message,
      ...(error.nodeId === undefined ? {} : { nodeId: error.nodeId }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
    this.respond(to, { v: 1, kind: "client-response", requestId, error: wireErr, ...(hint === undefined || hint === null ? {} : { leaderHint: hint }) });
  }

  /** Every answer to a requester leaves here: the meter sees it go. */
  private respond(to: string, message: Extract<WireMessage, { kind: "client-response" }>): void {
    this.meter?.finish(`${to}\u0000${message.requestId}`, "result" in message ? "ok" : message.error.code, this.host.monotonicMs());
    this.host.send(to, message);
  }

  /** On the leader: a write becomes a log entry; a read waits for ReadIndex. `waiter` null = fire and forget. */
  private propose(body: ClientRequestBody, waiter: { key: string; replyTo: string } | null, kind: ProposalKind = "client"): Result<void> {
    const { pending } = this.host;
    const raft = this.host.raft();
    if (raft === null) return err(unavailable(this.host.nodeId, "the node is not serving"));
    const deadlineMs = this.host.monotonicMs() + this.host.requestTimeoutMs;
    if (body.op.module === membershipOpsModuleName) {
      return this.host.membership.start(body.op, waiter === null ? null : { ...waiter, requestId: body.requestId, deadlineMs });
    }
    if (this.host.clientOps.isReadOnly(body.op)) {
      if (waiter === null) return ok(undefined);
      const asked = raft.readIndex(waiter.key);
      if (!asked.ok) return asked;
      pending.add({ key: waiter.key, replyTo: waiter.replyTo, requestId: body.requestId, deadlineMs, waitingFor: { kind: "read", index: null }, op: body.op });
      return ok(undefined);
    }
    const data = encodeClientCommand(body, Math.max(0, Math.floor(this.host.wallClockMs())));
    if (!data.ok) return data;
    const proposed = raft.propose(data.value);
    if (!proposed.ok) return proposed;
    this.host.observe?.proposed?.(kind);
    if (waiter !== null) {
      const { index, term } = proposed.value;
      pending.add({ key: waiter.key, replyTo: waiter.replyTo, requestId: body.requestId, deadlineMs, waitingFor: { kind: "apply", index, term }, op: null });
    }
    return ok(undefined);
  }

  private forward(leader: string, replyTo: string, body: ClientRequestBody): void {
    const forwardId = `${this.host.nodeId}/fwd/${this.host.bootNonce}/${this.nextId()}`;
    this.host.pending.add({
      key: forwardId,
      requestId: body.requestId,
      replyTo,
      deadlineMs: this.host.monotonicMs() + this.host.requestTimeoutMs,
      waitingFor: { kind: "forward", leaderId: leader },
      op: null,
    });
    const request: ClientRequestBody =
      body.seq === undefined ? { requestId: forwardId, clientId: body.clientId, op: body.op } : { requestId: forwardId, clientId: body.clientId, seq: body.seq, op: body.op };
    this.host.send(leader, { v: 1, kind: "forward", request });
  }

  private answer(waiter: PendingRequest, outcome: ApplyOutcome): void {
    if (outcome.result !== null) this.reply(waiter.replyTo, waiter.requestId, outcome.result);
  }

  private nextId(): number {
    this.forwardCounter += 1;
    return this.forwardCounter;
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
