import { InvariantViolation } from "@blixard/core";
import type { TraceDetail } from "../trace/message-detail";
import type { Trace } from "../trace/trace";
import { EventQueue, QueuedEvent } from "./event-queue";
import type { Check, FailureKind, SimFailure } from "./failure";
import { assertVirtualUs, type VirtualUs } from "./time";

export interface EventLoopLimits {
  /** Events one run may process before it fails with "event-budget". */
  readonly maxEvents: number;
  /** Events on the queue at once before the run fails: a message storm must end the run, not exhaust memory. */
  readonly maxPendingEvents: number;
  /** Events at a single virtual instant before the run fails as a zero-delay livelock. */
  readonly maxEventsPerInstant: number;
}

export const DEFAULT_EVENT_LOOP_LIMITS: EventLoopLimits = { maxEvents: 50_000_000, maxPendingEvents: 1_000_000, maxEventsPerInstant: 1_000_000 };

/** Decides, per popped event, whether to run it now, drop it (stale) or hold it (paused node). */
export type Gate = (event: QueuedEvent) => "run" | "skip" | "held";

/**
 * The one queue and the one loop: pops the earliest (time, seq) event, traces
 * it, runs it, then runs every invariant. The first failure stops the loop.
 */
export class EventLoop {
  private readonly queue = new EventQueue();
  private now: VirtualUs = 0;
  private nextSeq = 0;
  private processed = 0;
  private instantCount = 0;
  private readonly invariants: { name: string; check: Check }[] = [];
  private failureValue: SimFailure | null = null;
  private currentNode = "world";

  constructor(
    private readonly trace: Trace,
    private readonly limits: EventLoopLimits,
    private readonly gate: Gate,
  ) {}

  nowUs(): VirtualUs {
    return this.now;
  }

  get eventsProcessed(): number {
    return this.processed;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  get failure(): SimFailure | null {
    return this.failureValue;
  }

  push(atUs: VirtualUs, label: string, nodeId: string | null, incarnation: number, detail: TraceDetail, fire: () => void): QueuedEvent {
    if (!(atUs >= this.now) || !Number.isSafeInteger(atUs)) {
      throw new RangeError(`event "${label}" scheduled at ${atUs}µs, before now (${this.now}µs) or not an integer`);
    }
    const event = new QueuedEvent(atUs, this.nextSeq++, label, nodeId, incarnation, detail, fire);
    this.queue.push(event);
    if (this.queue.size > this.limits.maxPendingEvents) {
      this.fail("budget", "event-queue-overflow", `more than ${this.limits.maxPendingEvents} events pending at once (maxPendingEvents): a message storm or runaway timers`);
    }
    return event;
  }

  /** Put a held event back to run now, keeping the relative order of re-queued events. */
  requeue(event: QueuedEvent): void {
    this.push(this.now, event.label, event.nodeId, event.incarnation, event.detail, event.fire);
  }

  addInvariant(name: string, check: Check): void {
    if (this.invariants.some((inv) => inv.name === name)) throw new Error(`invariant "${name}" is already registered`);
    this.invariants.push({ name, check });
  }

  /** Run events up to and including `untilUs`, then set the clock to `untilUs`. Returns false on failure. */
  runUntil(untilUs: VirtualUs): boolean {
    assertVirtualUs(untilUs, "runUntil time");
    while (this.failureValue === null) {
      const next = this.queue.peek();
      if (next === undefined || next.atUs > untilUs) break;
      this.step();
    }
    if (this.failureValue === null && untilUs > this.now) this.now = untilUs;
    return this.failureValue === null;
  }

  /** Record a failure (first one wins) and stop the loop. */
  fail(kind: FailureKind, name: string, description: string, node = this.currentNode, stack?: string): void {
    if (this.failureValue !== null) return;
    this.trace.record(this.now, node, `failure.${kind}`, `${name}: ${description}`);
    const base = { kind, name, description, atUs: this.now, node, traceTail: this.trace.tail(30) };
    this.failureValue = stack === undefined ? base : { ...base, stack };
  }

  private step(): void {
    const event = this.queue.pop()!;
    if (event.cancelled) return;
    if (event.atUs !== this.now) {
      this.now = event.atUs;
      this.instantCount = 0;
    }
    const verdict = this.gate(event);
    if (verdict !== "run") return;
    this.processed++;
    this.currentNode = event.nodeId ?? "world";
    this.trace.record(this.now, this.currentNode, event.label, event.detail);
    try {
      event.fire();
    } catch (error) {
      this.failFromError(error);
    }
    if (this.failureValue === null) this.checkInvariants();
    this.checkBudget();
    this.currentNode = "world";
  }

  private checkInvariants(): void {
    const invariants = this.invariants;
    for (let i = 0; i < invariants.length; i++) {
      const invariant = invariants[i]!;
      const violation = invariant.check();
      if (violation !== null) {
        this.fail("safety", invariant.name, violation);
        return;
      }
    }
  }

  private checkBudget(): void {
    if (this.processed > this.limits.maxEvents) {
      this.fail("budget", "event-budget", `more than ${this.limits.maxEvents} events; raise maxEvents or shorten the run`);
    } else if (++this.instantCount > this.limits.maxEventsPerInstant) {
      this.fail("budget", "zero-delay-livelock", `more than ${this.limits.maxEventsPerInstant} events at one virtual instant`);
    }
  }

  private failFromError(error: unknown): void {
    if (error instanceof InvariantViolation) {
      this.fail("safety", error.invariant, error.message);
      return;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The stack holds machine paths: kept in the report, never in the (hashed) trace.
    const stack = error instanceof Error ? error.stack : undefined;
    this.fail("exception", "uncaught-exception", message, this.currentNode, stack);
  }
}
