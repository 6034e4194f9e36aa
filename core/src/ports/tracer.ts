/**
 * Structured log and trace sink. In the simulator every event lands in the run's
 * trace (and its hash), so fields must be deterministic: no wall-clock times,
 * no object identities.
 */
export type TraceFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Tracer {
  /** Something happened that a replay should show (election, commit, VM start). */
  event(kind: string, fields?: TraceFields): void;
  /** Operator-facing warning; also traced. */
  warn(kind: string, fields?: TraceFields): void;
}
