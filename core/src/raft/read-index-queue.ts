import type { NodeId } from "./log-types";
import type { ReadState } from "./types";

interface PendingRead {
  readonly requestId: string;
  /** Leader commit index when the read arrived. */
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/**
 * ReadIndex requests waiting for a heartbeat round to confirm leadership, in
 * arrival order. Confirming a later request also confirms every earlier one:
 * the leader was still leader after each of them arrived.
 */
export class ReadIndexQueue {
  private queue: PendingRead[] = [];

  has(requestId: string): boolean {
    return this.queue.some((r) => r.requestId === requestId);
  }

  size(): number {
    return this.queue.length;
  }

  add(requestId: string, index: number, self: NodeId): void {
    this.queue.push({ requestId, index, acks: new Set([self]) });
  }

  /** Record an ack; returns the acks so far, or undefined if the request is unknown. */
  ack(requestId: string, from: NodeId): ReadonlySet<NodeId> | undefined {
    const read = this.queue.find((r) => r.requestId === requestId);
    if (read === undefined) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Remove and return every request up to and including `requestId`. */
  releaseThrough(requestId: string): ReadState[] {
    const at = this.queue.findIndex((r) => r.requestId === requestId);
    if (at < 0) return [];
    const released = this.queue.splice(0, at + 1);
    return released.map((r) => ({ requestId: r.requestId, index: r.index }));
  }

  /** The most recent request, whose id rides on the next heartbeat round. */
  latest(): string | null {
    return this.queue[this.queue.length - 1]?.requestId ?? null;
  }

  clear(): void {
    this.queue = [];
  }
}
