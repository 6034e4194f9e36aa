import type { RandomSource } from "../ports/random";

/** How an attempt on a node last went wrong, as the client saw it. */
export type ReachFailure =
  /** The transport said so: the dial was refused or failed, or the connection closed. */
  | { readonly kind: "unreachable"; readonly reason: string }
  /** The attempt went unanswered within its timeout (the fault may lie beyond the node: a stuck forward). */
  | { readonly kind: "silent"; readonly reason: string };

interface NodeState {
  failuresInRow: number;
  /** An unreachable node is not picked again before this (monotonic ms). */
  skipUntilMs: number;
  failure: ReachFailure | null;
  /** The error code of its last answer, when it answered without serving (e.g. not-leader). */
  lastRefusal: string | null;
}

export interface NodeReachBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * A client's view of which nodes it can reach. A node the transport reports
 * unreachable is skipped for a backoff that doubles with each failure in a
 * row (with jitter, so clients that lost the same node do not return in
 * lockstep), then tried again: every node stays a candidate. Any answer
 * clears its record.
 */
export class NodeReach {
  private readonly nodes = new Map<string, NodeState>();

  constructor(
    private readonly backoff: NodeReachBackoff,
    private readonly random: RandomSource,
  ) {}

  unreachable(node: string, reason: string, nowMs: number): void {
    const state = this.stateOf(node);
    state.failuresInRow += 1;
    state.failure = { kind: "unreachable", reason };
    const ceilingMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(state.failuresInRow - 1, 20));
    const halfMs = Math.floor(ceilingMs / 2);
    state.skipUntilMs = nowMs + halfMs + this.random.nextInt(0, Math.max(0, Math.ceil(ceilingMs) - halfMs));
  }

  /** The attempt went unanswered: remembered for reports, but the node is not skipped for it. */
  silent(node: string, reason: string): void {
    this.stateOf(node).failure = { kind: "silent", reason };
  }

  /** The node answered: it is reachable. `refusal` is the error code when it answered without serving. */
  answered(node: string, refusal: string | null): void {
    if (refusal === null && !this.nodes.has(node)) return;
    this.nodes.set(node, { failuresInRow: 0, skipUntilMs: 0, failure: null, lastRefusal: refusal });
  }

  isSkipped(node: string, nowMs: number): boolean {
    const state = this.nodes.get(node);
    return state !== undefined && state.skipUntilMs > nowMs;
  }

  /** When the first of `nodes` may be tried again (for a client that finds every node skipped). */
  earliestRetryMs(nodes: readonly string[]): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const node of nodes) earliest = Math.min(earliest, this.nodes.get(node)?.skipUntilMs ?? 0);
    return earliest;
  }

  /** Nodes whose last attempt failed, with how. */
  failing(nodes: readonly string[]): { readonly node: string; readonly failure: ReachFailure }[] {
    const found: { node: string; failure: ReachFailure }[] = [];
    for (const node of nodes) {
      const failure = this.nodes.get(node)?.failure;
      if (failure !== undefined && failure !== null) found.push({ node, failure });
    }
    return found;
  }

  /** The error code a node last answered with instead of serving, if any. */
  lastRefusal(node: string): string | null {
    return this.nodes.get(node)?.lastRefusal ?? null;
  }

  private stateOf(node: string): NodeState {
    let state = this.nodes.get(node);
    if (state === undefined) {
      state = { failuresInRow: 0, skipUntilMs: 0, failure: null, lastRefusal: null };
      this.nodes.set(node, state);
    }
    return state;
  }
}
