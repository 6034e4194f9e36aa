import type { BlixardError } from "../errors";
import type { Clock, TimerHandle } from "../ports/clock";
import type { NetEndpoint } from "../ports/net";
import type { RandomSource } from "../ports/random";
import { type ClientOpRegistry, defaultClientOps, type ClientOp } from "../protocol/client-ops";
import { decodeWire, encodeWire, type WireCodecOptions } from "../protocol/wire";
import type { WireError, WireMessage } from "../protocol/wire-types";
import { parseFreshRaftMessage } from "../raft/message-validate";
import { NodeReach } from "./node-reach";

/** What a client needs from the world: the same ports a node has, minus disk and spawner. */
export interface ClientPorts {
  readonly clientId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly net: NetEndpoint;
}

export interface ClusterClientConfig {
  /** Nodes to try, in preference order when no leader is known. */
  readonly nodes: readonly string[];
  /** One attempt waits this long for an answer before trying another node. */
  readonly attemptTimeoutMs: number;
  /** Attempts per operation, at most (first try included). */
  readonly maxAttempts: number;
  /** Pause before retrying after an error without a leader hint. */
  readonly retryBackoffMs: number;
  /** A node the transport reports unreachable is skipped this long, doubling per failure in a row... */
  readonly unreachableBackoffMsInitial?: number;
  /** ...up to this. */
  readonly unreachableBackoffMsMax?: number;
  /** After `overloaded`, the client waits retryBackoffMs doubling per overloaded answer in a row, up to this. */
  readonly overloadBackoffMsMax?: number;
  /**
   * Fail an operation that has run this long while a majority of the nodes
   * cannot be reached (refused, closed, or silent on their last attempt),
   * naming them, instead of retrying until maxAttempts. null: never.
   */
  readonly noQuorumReportMs?: number | null;
  /**
   * Configured nodes the client could not even identify yet (a CLI that knows
   * only their URL and could not reach them): they count toward the cluster's
   * size, and are named, in the quorum report.
   */
  readonly unidentified?: () => readonly { readonly label: string; readonly reason: string }[];
}

export const defaultClusterClientConfig = (nodes: readonly string[]): ClusterClientConfig => ({
  nodes,
  attemptTimeoutMs: 1000,
  maxAttempts: 8,
  retryBackoffMs: 100,
  unreachableBackoffMsInitial: 100,
  unreachableBackoffMsMax: 2_000,
  overloadBackoffMsMax: 2_000,
  noQuorumReportMs: null,
});

/**
 * How an operation ended. `definite` says whether a failure is known to have
 * had no effect; an indefinite failure (timeouts, lost forwards) may still
 * take effect — exactly once, thanks to the session's (clientId, seq).
 */
export type ClientOutcome =
  | { readonly kind: "ok"; readonly result: unknown; readonly attempts: number }
  | { readonly kind: "failed"; readonly error: WireError; readonly definite: boolean; readonly attempts: number };

/** Errors after which the attempt certainly did not take effect, and another node may succeed. */
const retryableNoEffect = new Set(["not-leader", "unavailable", "proposal-backpressure", "leadership-transfer-in-progress", "proposal-dropped", "overloaded"]);
/** Errors after which the attempt may still take effect, and a retry (same seq) is safe. */
const retryableUnknown = new Set(["timeout"]);

interface InFlight {
  /** This client's op counter: request ids must never repeat, or a duplicated old reply would answer a new op. */
  readonly opNumber: number;
  readonly op: ClientOp;
  readonly seq: number | null;
  readonly write: boolean;
  readonly done: (outcome: ClientOutcome) => void;
  attempt: number;
  /** The node the outstanding attempt waits on; null while backing off or between attempts. */
  awaiting: string | null;
  /** When the operation was submitted (monotonic ms), for the quorum report. */
  readonly startedMs: number;
  /** `overloaded` answers in a row: each doubles the pause before the next attempt. */
  overloadedInRow: number;
  mayHaveTakenEffect: boolean;
  /** Every attempt's request id (a few at most: an array beats a Set here). */
  readonly requestIds: string[];
  timer: TimerHandle | null;
  lastError: WireError | null;
}

/**
 * A cluster client with one operation in flight at a time: it finds the
 * leader (following not-leader hints), retries on timeouts with the same
 * session sequence number, and reports whether a failure was definite.
 * A node the transport reports unreachable (refused, closed) fails its attempt
 * at once and is skipped with backoff (node-reach.ts); `overloaded` answers
 * make it back off; with noQuorumReportMs set it says which nodes it cannot
 * reach once a majority is gone. Pure over its ports: the simulator's clients
 * and the CLI share it.
 */
export class ClusterClient {
  private readonly codec: WireCodecOptions;
  private readonly ops: ClientOpRegistry;
  private readonly nodes: string[];
  private readonly reach: NodeReach;
  private nextSeq = 1;
  private nextOpNumber = 1;
  private leaderGuess: string | null = null;
  private rotation = 0;
  private current: InFlight | null = null;

  constructor(
    private readonly ports: ClientPorts,
    private readonly config: ClusterClientConfig,
  ) {
    this.ops = defaultClientOps();
    this.codec = { parseRaftMessage: parseFreshRaftMessage, clientOps: this.ops };
    this.nodes = [...config.nodes];
    this.reach = new NodeReach({ initialMs: config.unreachableBackoffMsInitial ?? 100, maxMs: config.unreachableBackoffMsMax ?? 2_000 }, ports.random);
    ports.net.onReceive((from, payload) => this.onReceive(from, payload));
    ports.net.onUnreachable?.((peer, error) => this.onUnreachable(peer, error.message));
  }

  /** A configured node became known (a CLI identified it late): from now on a candidate like the others. */
  addNode(nodeId: string): void {
    if (!this.nodes.includes(nodeId)) this.nodes.push(nodeId);
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /** The node this client currently believes leads. */
  get leader(): string | null {
    return this.leaderGuess;
  }

  /** Start an operation. Refuses (returns false) while another is in flight. */
  submit(op: ClientOp, done: (outcome: ClientOutcome) => void): boolean {
    if (this.current !== null) return false;
    // Only writes the session table records take a sequence number; reads and sessionless writes
    // (membership changes, idempotent by design) must not consume one or the next write's seq would skip.
    const write = !this.ops.isReadOnly(op);
    const seq = this.ops.usesSession(op) ? this.nextSeq++ : null;
    this.current = {
      opNumber: this.nextOpNumber++, op, seq, write, done, attempt: 0, awaiting: null, startedMs: this.ports.clock.monotonicMs(),
      overloadedInRow: 0, mayHaveTakenEffect: false, requestIds: [], timer: null, lastError: null,
    };
    this.sendAttempt(this.current);
    return true;
  }

  private sendAttempt(flight: InFlight): void {
    if (flight.attempt >= this.config.maxAttempts) {
      this.finish(flight, { kind: "failed", error: this.gaveUp(flight), definite: !flight.mayHaveTakenEffect, attempts: flight.attempt });
      return;
    }
    const target = this.pickTarget();
    if (target === null) {
      // Every node is being skipped: wait for the first to come off its backoff (or report the cluster lost).
      if (this.reportNoQuorum(flight)) return;
      const delayMs = Math.max(1, this.reach.earliestRetryMs(this.nodes) - this.ports.clock.monotonicMs());
      flight.timer = this.ports.clock.setTimer(delayMs, () => {
        flight.timer = null;
        if (this.current === flight) this.sendAttempt(flight);
      });
      return;
    }
    flight.attempt += 1;
    flight.awaiting = target;
    const requestId = requestIdOf(this.ports.clientId, flight);
    flight.requestIds.push(requestId);
    const clientId = this.ports.clientId;
    const message: WireMessage =
      flight.seq === null
        ? { v: 1, kind: "client-request", requestId, clientId, op: flight.op }
        : { v: 1, kind: "client-request", requestId, clientId, seq: flight.seq, op: flight.op };
    // A write handed to a node may be proposed even if no answer ever comes back.
    if (flight.write) flight.mayHaveTakenEffect = true;
    this.ports.net.send(target, encodeWire(message));
    flight.timer = this.ports.clock.setTimer(this.config.attemptTimeoutMs, () => {
      flight.timer = null;
      if (this.current !== flight) return;
      flight.awaiting = null;
      this.reach.silent(target, `no answer within ${this.config.attemptTimeoutMs} ms`);
      this.leaderGuess = null;
      if (this.reportNoQuorum(flight)) return;
      this.sendAttempt(flight);
    });
  }

  /** The transport says `peer` cannot be reached: skip it a while, and fail over at once if an attempt waits on it. */
  private onUnreachable(peer: string, reason: string): void {
    if (!this.nodes.includes(peer)) return;
    this.reach.unreachable(peer, reason, this.ports.clock.monotonicMs());
    if (this.leaderGuess === peer) this.leaderGuess = null;
    const flight = this.current;
    if (flight === null || flight.awaiting !== peer) return;
    this.cancelTimer(flight);
    flight.awaiting = null;
    flight.lastError = { code: "peer-unreachable", message: `${peer}: ${reason}` };
    if (this.reportNoQuorum(flight)) return;
    this.sendAttempt(flight);
  }

  private onReceive(from: string, payload: Uint8Array): void {
    const decoded = decodeWire(payload, from, this.codec);
    if (!decoded.ok || decoded.value.kind !== "client-response") return;
    const response = decoded.value;
    const flight = this.current;
    if (flight === null || !flight.requestIds.includes(response.requestId)) return; // late answer to a finished op
    if ("result" in response) {
      this.reach.answered(from, null);
      const hint = response.leaderHint;
      this.leaderGuess = hint !== undefined && this.nodes.includes(hint) ? hint : from;
      this.finish(flight, { kind: "ok", result: response.result, attempts: flight.attempt });
      return;
    }
    this.onError(flight, from, response.requestId, response.error, response.leaderHint ?? response.error.leaderHint ?? null);
  }

  private onError(flight: InFlight, from: string, requestId: string, error: WireError, leaderHint: string | null): void {
    const latest = requestId === requestIdOf(this.ports.clientId, flight);
    if (!latest) return; // an older attempt's error: the newest attempt is still running
    flight.lastError = error;
    if (retryableNoEffect.has(error.code) || retryableUnknown.has(error.code)) {
      this.reach.answered(from, error.code);
      this.cancelTimer(flight);
      flight.awaiting = null;
      if (error.code === "overloaded") {
        // The node sheds load (it may well lead): stay with it, but give it room, longer each time in a row.
        if (this.nodes.includes(from)) this.leaderGuess = from;
        flight.overloadedInRow += 1;
        this.retryAfter(flight, Math.min(this.config.overloadBackoffMsMax ?? 2_000, this.config.retryBackoffMs * 2 ** Math.min(flight.overloadedInRow - 1, 20)));
        return;
      }
      this.leaderGuess = leaderHint !== null && this.nodes.includes(leaderHint) ? leaderHint : null;
      if (this.leaderGuess !== null) {
        this.sendAttempt(flight);
        return;
      }
      if (this.reportNoQuorum(flight)) return;
      this.retryAfter(flight, this.config.retryBackoffMs);
      return;
    }
    // Any other error is the committed outcome of this seq (the state machine refused it, and the session
    // makes every attempt share that outcome): nothing took effect. Except duplicate-stale: the seq applied
    // once already and its result is lost — the op took effect.
    const definite = error.code !== "duplicate-stale";
    this.finish(flight, { kind: "failed", error, definite, attempts: flight.attempt });
  }

  private retryAfter(flight: InFlight, delayMs: number): void {
    flight.timer = this.ports.clock.setTimer(delayMs, () => {
      flight.timer = null;
      if (this.current === flight) this.sendAttempt(flight);
    });
  }

  /**
   * With noQuorumReportMs set: once the operation has run that long and a
   * majority of the cluster cannot be reached, fail it naming those nodes.
   * Returns whether it did.
   */
  private reportNoQuorum(flight: InFlight): boolean {
    const limitMs = this.config.noQuorumReportMs ?? null;
    if (limitMs === null || this.ports.clock.monotonicMs() - flight.startedMs < limitMs) return false;
    const failing = this.reach.failing(this.nodes).map(({ node, failure }) => `${node}: ${failure.reason}`);
    const unidentified = this.config.unidentified?.() ?? [];
    for (const { label, reason } of unidentified) failing.push(`${label}: ${reason}`);
    const size = this.nodes.length + unidentified.length;
    const majority = Math.floor(size / 2) + 1;
    if (size - failing.length >= majority) return false;
    const answering = this.nodes.filter((n) => !this.reach.failing([n]).length).map((n) => `${n} answers${this.reach.lastRefusal(n) === null ? "" : ` (${this.reach.lastRefusal(n)})`}`);
    const error: BlixardError = {
      code: "no-quorum",
      message:
        `${failing.length} of ${size} nodes cannot be reached, so no majority (${majority}) can commit or confirm anything: ${failing.join("; ")}` +
        (answering.length === 0 ? "" : `; ${answering.join(", ")}`),
      hint: flight.mayHaveTakenEffect
        ? "start the stopped nodes or restore the network; the write may still take effect, at most once, when a majority is back"
        : "start the stopped nodes or restore the network; nothing was applied",
    };
    this.finish(flight, { kind: "failed", error, definite: !flight.mayHaveTakenEffect, attempts: flight.attempt });
    return true;
  }

  private finish(flight: InFlight, outcome: ClientOutcome): void {
    this.cancelTimer(flight);
    this.current = null;
    flight.done(outcome);
  }

  private cancelTimer(flight: InFlight): void {
    if (flight.timer !== null) this.ports.clock.cancelTimer(flight.timer);
    flight.timer = null;
  }

  /** The believed leader, else the next node in rotation that is not being skipped; null if all are. */
  private pickTarget(): string | null {
    const nowMs = this.ports.clock.monotonicMs();
    if (this.leaderGuess !== null && !this.reach.isSkipped(this.leaderGuess, nowMs)) return this.leaderGuess;
    const nodes = this.nodes;
    if (this.rotation === 0) this.rotation = 1 + this.ports.random.nextInt(0, Math.max(0, nodes.length - 1));
    for (let tried = 0; tried < nodes.length; tried++) {
      this.rotation += 1;
      const node = nodes[this.rotation % nodes.length] ?? nodes[0] ?? "";
      if (!this.reach.isSkipped(node, nowMs)) return node;
    }
    return nodes.length === 0 ? "" : null;
  }

  private gaveUp(flight: InFlight): BlixardError {
    const last = flight.lastError === null ? "no node answered" : `last error ${flight.lastError.code}: ${flight.lastError.message}`;
    return {
      code: "timeout",
      message: `client ${this.ports.clientId} gave up after ${flight.attempt} attempts (${last})`,
      hint: flight.mayHaveTakenEffect ? "the write may still take effect, at most once" : "nothing was applied; retry later",
    };
  }
}

function requestIdOf(clientId: string, flight: InFlight): string {
  return `${clientId}/${flight.opNumber}/${flight.attempt}`;
}

