/**
 * Errors are values: a stable machine code, what failed, where, and what to do.
 * Core returns these in `Result`s; it throws only on broken invariants (bugs).
 */
export interface BlixardError {
  /** Stable, kebab-case code, e.g. "not-leader", "value-too-large". */
  readonly code: string;
  /** One sentence naming what failed, with the offending values. */
  readonly message: string;
  /** Node that produced the error, when there is one. */
  readonly nodeId?: string;
  /** What the caller can do about it. */
  readonly hint?: string;
}

export type Result<T, E = BlixardError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

/** The one `ok(undefined)`: handlers on every message's path return it, and a fresh object each time was garbage. */
const OK_UNDEFINED: Result<undefined, never> = Object.freeze({ ok: true, value: undefined });

export const ok = <T>(value: T): Result<T, never> => (value === undefined ? (OK_UNDEFINED as Result<T, never>) : { ok: true, value });
export const err = <E = BlixardError>(error: E): Result<never, E> => ({ ok: false, error });

export function blixardError(code: string, message: string, extra: { nodeId?: string; hint?: string } = {}): BlixardError {
  return { code, message, ...extra };
}

/** A broken internal invariant: a bug, never a user error. Stops the node (or the simulation). */
export class InvariantViolation extends Error {
  constructor(readonly invariant: string, detail: string) {
    super(`invariant violated: ${invariant}: ${detail}`);
    this.name = "InvariantViolation";
  }
}

/**
 * `detail` may be a function, called only on failure: on a hot path (every
 * entry, every event) a template-literal detail would be built on every call.
 */
export function assert(condition: unknown, invariant: string, detail: string | (() => string) = ""): asserts condition {
  if (!condition) throw new InvariantViolation(invariant, typeof detail === "function" ? detail() : detail);
}
