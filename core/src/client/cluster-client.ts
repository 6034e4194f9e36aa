import type { BlixardError } from "../errors";
import type { Clock, TimerHandle } from "../ports/clock";
import type { NetEndpoint } from "../ports/net";
import type { RandomSource } from "../ports/random";
import { type ClientOpRegistry, defaultClientOps, type ClientOp } from "../protocol/client-ops";
import { decodeWire, encodeWire, type WireCodecOptions } from "../protocol/wire";
import type { WireError, WireMessage } from "../protocol/wire-types";
import { parseFreshRaftMessage } from "../raft/message-validate";

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
}

export const defaultClusterClientConfig = (nodes: readonly string[]): ClusterClientConfig => ({
  nodes,
  attemptTimeoutMs: 1000,
  maxAttempts: 8,
  retryBackoffMs: 100,
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
const retryableNoEffect = new Set(["not-leader", "unavailable", "proposal-backpressure", "leadership-transfer-in-progress", "proposal-dropped"]);
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
 * Pure over its ports: the simulator's clients and the CLI share it.
 */
export class ClusterClient {
  private readonly codec: WireCodecOptions;
  private readonly ops: ClientOpRegistry;
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
    ports.net.onReceive((from, payload) => this.onReceive(from, payload));
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
    this.current = { opNumber: this.nextOpNumber++, op, seq, write, done, attempt: 0, mayHaveTakenEffect: false, requestIds: [], timer: null, lastError: null };
    this.sendAttempt(this.current);
    return true;
  }

  private sendAttempt(flight: InFlight): void {
    if (flight.attempt >= this.config.maxAttempts) {
      this.finish(flight, { kind: "failed", error: this.gaveUp(flight), definite: !flight.mayHaveTakenEffect, attempts: flight.attempt });
      return;
    }
    flight.attempt += 1;
    const target = this.pickTarget();
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
      this.leaderGuess = null;
      this.sendAttempt(flight);
    });
  }

  private onReceive(from: string, payload: Uint8Array): void {
    const decoded = decodeWire(payload, from, this.codec);
    if (!decoded.ok || decoded.value.kind !== "client-response") return;
    const response = decoded.value;
    const flight = this.current;
    if (flight === null || !flight.requestIds.includes(response.requestId)) return; // late answer to a finished op
    if ("result" in response) {
      const hint = response.leaderHint;
      this.leaderGuess = hint !== undefined && this.config.nodes.includes(hint) ? hint : from;
      this.finish(flight, { kind: "ok", result: response.result, attempts: flight.attempt });
      return;
    }
    this.onError(flight, response.requestId, response.error, response.leaderHint ?? response.error.leaderHint ?? null);
  }

  private onError(flight: InFlight, requestId: string, error: WireError, leaderHint: string | null): void {
    const latest = requestId === requestIdOf(this.ports.clientId, flight);
    if (!latest) return; // an older attempt's error: the newest attempt is still running
    flight.lastError = error;
    if (retryableNoEffect.has(error.code) || retryableUnknown.has(error.code)) {
      this.cancelTimer(flight);
      this.leaderGuess = leaderHint !== null && this.config.nodes.includes(leaderHint) ? leaderHint : null;
      if (this.leaderGuess !== null) {
        this.sendAttempt(flight);
        return;
      }
      flight.timer = this.ports.clock.setTimer(this.config.retryBackoffMs, () => {
        flight.timer = null;
        if (this.current === flight) this.sendAttempt(flight);
      });
      return;
    }
    // Any other error is the committed outcome of this seq (the state machine refused it, and the session
    // makes every attempt share that outcome): nothing took effect. Except duplicate-stale: the seq applied
    // once already and its result is lost — the op took effect.
    const definite = error.code !== "duplicate-stale";
    this.finish(flight, { kind: "failed", error, definite, attempts: flight.attempt });
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

  private pickTarget(): string {
    if (this.leaderGuess !== null) return this.leaderGuess;
    const nodes = this.config.nodes;
    if (this.rotation === 0) this.rotation = 1 + this.ports.random.nextInt(0, Math.max(0, nodes.length - 1));
    this.rotation += 1;
    return nodes[this.rotation % nodes.length] ?? nodes[0] ?? "";
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

