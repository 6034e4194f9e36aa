import { performance } from "node:perf_hooks";
import type { Clock, TimerHandle } from "@blixard/core";

/**
 * Clock port over the host's clocks.
 *
 * Timers live in one deadline heap driven by a single `setTimeout`, instead of
 * one `setTimeout` each, because Node may fire a timeout up to ~1 ms before
 * `performance.now()` says its delay has elapsed, and equal delays set in a row
 * must fire in the order they were set. The heap gives both guarantees the
 * simulator gives: never early, ordered by (deadline, creation order).
 */
export interface SystemClockOptions {
  /** Upper bound on timers pending at once; setting more is a bug in the caller. */
  readonly maxPendingTimers?: number;
}

interface PendingTimer {
  readonly timerId: number;
  readonly deadlineMs: number;
  readonly fire: () => void;
}

const DEFAULT_MAX_PENDING_TIMERS = 100_000;

export class SystemClock implements Clock {
  private readonly heap: PendingTimer[] = [];
  /** Ids of timers that will still fire; cancelled ones stay in the heap until popped or compacted. */
  private readonly live = new Set<number>();
  private readonly maxPendingTimers: number;
  private nextTimerId = 1;
  private lastMonotonicMs = 0;
  private wakeup: NodeJS.Timeout | undefined;
  private wakeupAtMs = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(options: SystemClockOptions = {}) {
    this.maxPendingTimers = options.maxPendingTimers ?? DEFAULT_MAX_PENDING_TIMERS;
  }

  monotonicMs(): number {
    // performance.now() is monotonic already; the max() guards against a platform that is not.
    const now = performance.now();
    if (now > this.lastMonotonicMs) this.lastMonotonicMs = now;
    return this.lastMonotonicMs;
  }

  wallClockMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const timerId = this.nextTimerId++;
    if (this.closed) return { timerId };
    if (this.heap.length > 2 * this.live.size + 64) this.compact();
    if (this.live.size >= this.maxPendingTimers) {
      throw new RangeError(`SystemClock: more than ${this.maxPendingTimers} timers pending; a caller leaks timers`);
    }
    const safeDelayMs = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    heapPush(this.heap, { timerId, deadlineMs: this.monotonicMs() + safeDelayMs, fire });
    this.live.add(timerId);
    this.armWakeup();
    return { timerId };
  }

  /** After the I/O callbacks of this loop turn (setImmediate); never after close(). */
  runSoon(fire: () => void): void {
    if (this.closed) return;
    setImmediate(() => {
      if (!this.closed) fire();
    });
  }

  cancelTimer(handle: TimerHandle): void {
    this.live.delete(handle.timerId);
  }

  /** Number of timers that will still fire. */
  pendingTimerCount(): number {
    return this.live.size;
  }

  /** Drop every pending timer and never fire another. */
  close(): void {
    this.closed = true;
    this.heap.length = 0;
    this.live.clear();
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeup = undefined;
  }

  /** Rebuild the heap without cancelled entries so cancel-heavy callers (election timers) stay bounded. */
  private compact(): void {
    const liveTimers = this.heap.filter((t) => this.live.has(t.timerId));
    this.heap.length = 0;
    for (const timer of liveTimers) heapPush(this.heap, timer);
  }

  private armWakeup(): void {
    const next = this.heap[0];
    if (next === undefined || this.closed) return;
    if (this.wakeup !== undefined && this.wakeupAtMs <= next.deadlineMs) return;
    if (this.wakeup !== undefined) clearTimeout(this.wakeup);
    this.wakeupAtMs = next.deadlineMs;
    // Round up so the wakeup lands at or after the deadline; runDue re-arms if Node was early anyway.
    const waitMs = Math.max(0, Math.ceil(next.deadlineMs - this.monotonicMs()));
    this.wakeup = setTimeout(() => this.runDue(), waitMs);
  }

  private runDue(): void {
    this.wakeup = undefined;
    this.wakeupAtMs = Number.POSITIVE_INFINITY;
    // Bounded: a callback that sets a zero-delay timer gets it on the next wakeup, not this loop.
    const budget = this.heap.length;
    const nowMs = this.monotonicMs();
    try {
      for (let fired = 0; fired < budget && !this.closed; fired++) {
        const head = this.heap[0];
        if (head === undefined || head.deadlineMs > nowMs) break;
        heapPop(this.heap);
        if (!this.live.delete(head.timerId)) continue;
        head.fire();
      }
    } finally {
      // A callback that throws still must not stop every later timer.
      this.armWakeup();
    }
  }
}

function isBefore(a: PendingTimer, b: PendingTimer): boolean {
  return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.timerId < b.timerId);
}

function heapPush(heap: PendingTimer[], timer: PendingTimer): void {
  heap.push(timer);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!isBefore(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: PendingTimer[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && isBefore(heap[left]!, heap[smallest]!)) smallest = left;
    if (right < heap.length && isBefore(heap[right]!, heap[smallest]!)) smallest = right;
    if (smallest === i) return;
    [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
    i = smallest;
  }
}
