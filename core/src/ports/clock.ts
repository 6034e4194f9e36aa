/**
 * Time as core sees it. Core never reads a clock any other way.
 *
 * `monotonicMs` only moves forward and is what timeouts, leases and backoff use.
 * `wallClockMs` is the host's calendar clock: it may be skewed, drift and jump
 * both ways, so core uses it only for display and operator-facing timestamps.
 */
export interface Clock {
  /** Milliseconds on this node's monotonic clock. Never decreases. May drift against other nodes. */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch on this node's wall clock. May jump backwards. */
  wallClockMs(): number;
  /** Run `fire` once after `delayMs` of this node's monotonic time. */
  setTimer(delayMs: number, fire: () => void): TimerHandle;
  /** Cancel a timer; cancelling a fired or cancelled timer is a no-op. */
  cancelTimer(handle: TimerHandle): void;
  /**
   * Optional: run `fire` once the inputs already waiting in this turn of the
   * runtime's event loop have been handled (Node's setImmediate). A node
   * uses it to persist everything those inputs produced in one write and one
   * fsync (group commit). Without it the node persists after every input,
   * as the simulator, whose inputs each arrive at their own instant, does.
   */
  runSoon?(fire: () => void): void;
}

export type TimerHandle = { readonly timerId: number };
