import type { Clock, TimerHandle } from "@blixard/core";
import type { VirtualUs } from "../world/time";
import type { NodeClockModel } from "./clock-model";
import { virtualForLocalUs } from "./drift";

/** What a clock needs from the world: the time and a way to schedule node events. */
export interface ClockHost {
  nowUs(): VirtualUs;
  /** Schedule `fire` for this clock's node incarnation; returns a cancel function. */
  scheduleNodeEvent(atUs: VirtualUs, label: string, fire: () => void): { cancel(): void };
}

/** Upper bound on one timer's delay: 30 days of local time. Longer is a bug in the caller. */
const MAX_TIMER_DELAY_MS = 30 * 24 * 3600 * 1000;

/**
 * core's Clock for one node incarnation. Timers are set in local monotonic time
 * and converted to virtual time with the node's drift, rounded up; on firing the
 * local deadline is re-checked (drift may have changed), so a timer never fires
 * early by the node's own clock.
 */
export class SimClock implements Clock {
  private nextTimerId = 1;
  private readonly timers = new Map<number, { cancel(): void }>();

  constructor(
    private readonly model: NodeClockModel,
    private readonly host: ClockHost,
  ) {}

  monotonicMs(): number {
    return this.model.monotonicUs(this.host.nowUs()) / 1000;
  }

  wallClockMs(): number {
    return this.model.wallUs(this.host.nowUs()) / 1000;
  }

  setTimer(delayMs: number, fire: () => void): TimerHandle {
    if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_DELAY_MS) {
      throw new RangeError(`setTimer on node ${this.model.nodeId}: delay must be in [0, ${MAX_TIMER_DELAY_MS}] ms, got ${delayMs}`);
    }
    const timerId = this.nextTimerId++;
    const deadlineLocalUs = this.model.monotonicUs(this.host.nowUs()) + Math.ceil(delayMs * 1000);
    this.arm(timerId, deadlineLocalUs, fire);
    return { timerId };
  }

  cancelTimer(handle: TimerHandle): void {
    const timer = this.timers.get(handle.timerId);
    if (timer === undefined) return;
    timer.cancel();
    this.timers.delete(handle.timerId);
  }

  /** Number of armed timers (for tests and leak checks). */
  get armedTimers(): number {
    return this.timers.size;
  }

  private arm(timerId: number, deadlineLocalUs: number, fire: () => void): void {
    const now = this.host.nowUs();
    const remainingLocalUs = Math.max(0, deadlineLocalUs - this.model.monotonicUs(now));
    const atUs = now + virtualForLocalUs(remainingLocalUs, this.model.driftPpm);
    const scheduled = this.host.scheduleNodeEvent(atUs, "timer", () => {
      if (this.model.monotonicUs(this.host.nowUs()) < deadlineLocalUs) {
        this.arm(timerId, deadlineLocalUs, fire); // drift slowed since arming
        return;
      }
      this.timers.delete(timerId);
      fire();
    });
    this.timers.set(timerId, scheduled);
  }
}
