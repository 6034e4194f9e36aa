import type { TraceEvent } from "../trace/trace";
import type { VirtualUs } from "./time";

/**
 * Why a run stopped early (or failed its end checks):
 * - safety: an invariant returned a violation after some event;
 * - liveness: an end-of-run (convergence) check failed after the quiet phase;
 * - exception: simulated software threw (a bug: core must return errors as values);
 * - budget: the run exceeded its event budget or looped at one instant.
 */
export type FailureKind = "safety" | "liveness" | "exception" | "budget";

export interface SimFailure {
  readonly kind: FailureKind;
  /** Invariant or check name, or "uncaught-exception" / "event-budget". */
  readonly name: string;
  readonly description: string;
  readonly atUs: VirtualUs;
  /** Node or client the failing event belonged to, or "world". */
  readonly node: string;
  /** The last trace records before the failure, oldest first. */
  readonly traceTail: readonly TraceEvent[];
  /** For exceptions: the JS stack (machine-specific paths, so never traced). */
  readonly stack?: string;
}

/** A check run after every event (invariant) or at the end of the run (end check). */
export type Check = () => string | null;
