import type { Result } from "../errors";

/**
 * The replicated state machine is a set of modules (kv, sessions, cluster...).
 * A committed command names its module; the module applies it deterministically.
 *
 * Determinism rules for every module:
 * - apply reads only the command, the context and the module's own state;
 *   time comes from `ctx.proposedAtMs` (the leader's clock when it proposed),
 *   never from the applying replica's clock;
 * - iteration order is explicit (sorted keys), never Map/Set insertion order
 *   that could differ between a replica that restored a snapshot and one that
 *   replayed the log;
 * - snapshot() followed by restore() on a fresh module yields identical state
 *   and an identical next snapshot().
 */
export interface ApplyContext {
  /** Raft index of the entry being applied. */
  readonly index: number;
  /** Raft term of the entry being applied. */
  readonly term: number;
  /** Proposer's monotonic-ish clock reading carried in the command, for leases and timestamps. */
  readonly proposedAtMs: number;
}

export interface StateModule<Command, Outcome> {
  readonly name: string;
  /** Check shape and bounds of an untrusted command before it is proposed or applied. */
  validate(command: unknown): Result<Command>;
  /** Apply a validated command. Never throws for a bad command: returns an error outcome. */
  apply(command: Command, ctx: ApplyContext): Outcome;
  /** A JSON-able image of the module's whole state. */
  snapshot(): unknown;
  /** Replace the module's state by an image from snapshot(). */
  restore(image: unknown): void;
}
