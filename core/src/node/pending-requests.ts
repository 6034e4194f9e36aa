import type { ClientOp } from "../protocol/client-ops";

/**
 * Client requests this node has taken on and not yet answered: proposals
 * waiting for their entry to apply, reads waiting for ReadIndex, and requests
 * forwarded to the leader waiting for its reply. Bounded by count; each entry
 * expires at a deadline on this node's monotonic clock.
 */
export interface PendingRequest {
  /** Unique within this node's table: requests from different clients may share a requestId. */
  readonly key: string;
  /** What the requester called it; echoed in the response. */
  readonly requestId: string;
  /** Endpoint to answer (a client, or the follower that forwarded the request). */
  readonly replyTo: string;
  readonly deadlineMs: number;
  readonly waitingFor: WaitingFor;
  /** The operation, for reads answered after ReadIndex. */
  readonly op: ClientOp | null;
}

export type WaitingFor =
  | { readonly kind: "apply"; readonly index: number; readonly term: number }
  | { readonly kind: "read"; readonly index: number | null }
  | { readonly kind: "forward"; readonly leaderId: string };

export class PendingRequests {
  private readonly byId = new Map<string, PendingRequest>();
  /** Proposals by log index, so applying an entry finds its waiter in O(1). */
  private readonly keyByIndex = new Map<number, string>();
  /** Requests waiting for a read: answerReads runs on every apply, and most of the time there are none. */
  private reads = 0;
  /** Requests held per endpoint to answer, so one client cannot take the whole table. */
  private readonly perReplyTo = new Map<string, number>();

  constructor(private readonly maxPendingRequests: number) {}

  get size(): number {
    return this.byId.size;
  }

  /** How many requests the table holds at most (maxPendingRequests). */
  get capacity(): number {
    return this.maxPendingRequests;
  }

  isFull(): boolean {
    return this.byId.size >= this.maxPendingRequests;
  }

  has(key: string): boolean {
    return this.byId.has(key);
  }

  get(key: string): PendingRequest | undefined {
    return this.byId.get(key);
  }

  get readCount(): number {
    return this.reads;
  }

  /** Requests held for `replyTo` (a client, or the follower that forwarded). */
  countFor(replyTo: string): number {
    return this.perReplyTo.get(replyTo) ?? 0;
  }

  add(request: PendingRequest): void {
    const replaced = this.byId.get(request.key);
    if (replaced !== undefined && replaced.waitingFor.kind === "read") this.reads--;
    if (replaced !== undefined) this.uncount(replaced.replyTo);
    if (request.waitingFor.kind === "read") this.reads++;
    this.perReplyTo.set(request.replyTo, this.countFor(request.replyTo) + 1);
    this.byId.set(request.key, request);
    if (request.waitingFor.kind === "apply") this.keyByIndex.set(request.waitingFor.index, request.key);
  }

  update(key: string, waitingFor: WaitingFor): void {
    const found = this.byId.get(key);
    if (found === undefined) return;
    this.take(key);
    this.add({ key: found.key, requestId: found.requestId, replyTo: found.replyTo, deadlineMs: found.deadlineMs, waitingFor, op: found.op });
  }

  take(key: string): PendingRequest | undefined {
    const found = this.byId.get(key);
    if (found === undefined) return undefined;
    this.byId.delete(key);
    this.uncount(found.replyTo);
    if (found.waitingFor.kind === "read") this.reads--;
    if (found.waitingFor.kind === "apply" && this.keyByIndex.get(found.waitingFor.index) === key) {
      this.keyByIndex.delete(found.waitingFor.index);
    }
    return found;
  }

  private uncount(replyTo: string): void {
    const held = this.countFor(replyTo);
    if (held <= 1) this.perReplyTo.delete(replyTo);
    else this.perReplyTo.set(replyTo, held - 1);
  }

  /** The proposal waiting for the entry at `index`, removed from the table. */
  takeProposalAt(index: number): PendingRequest | undefined {
    const key = this.keyByIndex.get(index);
    return key === undefined ? undefined : this.take(key);
  }

  /** Requests whose predicate holds, removed from the table, in key order (deterministic). */
  takeWhere(predicate: (request: PendingRequest) => boolean): PendingRequest[] {
    const taken: PendingRequest[] = [];
    for (const request of this.byId.values()) if (predicate(request)) taken.push(request);
    for (const request of taken) this.take(request.key);
    return taken.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  expired(nowMs: number): PendingRequest[] {
    return this.takeWhere((request) => request.deadlineMs <= nowMs);
  }
}
