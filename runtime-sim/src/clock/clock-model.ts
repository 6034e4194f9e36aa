import type { VirtualUs } from "../world/time";
import { assertDriftPpm, localElapsedUs } from "./drift";

/** Clock parameters for the whole run. */
export interface ClockConfig {
  /** Stated bound on |drift|; lease logic may rely on it. Default 200 ppm. */
  readonly maxDriftPpm: number;
  /** Wall clocks start near this Unix time in ms (default 2025-01-01T00:00:00Z). */
  readonly wallEpochMs: number;
  /** Initial wall-clock skew per node is drawn from [-max, +max] ms. */
  readonly wallSkewMsMax: number;
}

export const DEFAULT_CLOCK_CONFIG: ClockConfig = {
  maxDriftPpm: 200,
  wallEpochMs: 1_735_689_600_000,
  wallSkewMsMax: 250,
};

/**
 * One node's hardware clock, owned by the world and kept across restarts.
 * local monotonic µs = baseLocalUs + localElapsed(now - baseVirtualUs, drift).
 * Changing drift re-bases so the monotonic clock stays continuous.
 * wall µs = monotonic µs + wallOffsetUs; jumps change only wallOffsetUs.
 */
export class NodeClockModel {
  private baseVirtualUs: VirtualUs = 0;
  private baseLocalUs = 0;
  private drift: number;
  private wallOffsetUs: number;
  /** Sum of injected wall jumps, so healing can undo them. */
  private jumpedUs = 0;

  constructor(
    readonly nodeId: string,
    nowUs: VirtualUs,
    driftPpm: number,
    bootOffsetUs: number,
    wallStartUs: number,
  ) {
    this.drift = assertDriftPpm(driftPpm);
    this.baseVirtualUs = nowUs;
    this.baseLocalUs = bootOffsetUs;
    this.wallOffsetUs = wallStartUs - bootOffsetUs;
  }

  get driftPpm(): number {
    return this.drift;
  }

  get wallJumpUs(): number {
    return this.jumpedUs;
  }

  monotonicUs(nowUs: VirtualUs): number {
    return this.baseLocalUs + localElapsedUs(nowUs - this.baseVirtualUs, this.drift);
  }

  wallUs(nowUs: VirtualUs): number {
    return this.monotonicUs(nowUs) + this.wallOffsetUs;
  }

  setDrift(nowUs: VirtualUs, driftPpm: number): void {
    assertDriftPpm(driftPpm);
    this.baseLocalUs = this.monotonicUs(nowUs);
    this.baseVirtualUs = nowUs;
    this.drift = driftPpm;
  }

  /** Step the wall clock by deltaUs (either sign). Monotonic time is untouched. */
  jumpWall(deltaUs: number): void {
    if (!Number.isSafeInteger(deltaUs)) throw new RangeError(`wall jump must be integer µs, got ${deltaUs}`);
    this.wallOffsetUs += deltaUs;
    this.jumpedUs += deltaUs;
  }

  /** Undo every injected wall jump (an NTP resync at the end of the faults phase). */
  undoWallJumps(): void {
    this.wallOffsetUs -= this.jumpedUs;
    this.jumpedUs = 0;
  }

  /**
   * A host reboot: the monotonic clock restarts from a new arbitrary origin
   * (CLOCK_MONOTONIC counts from boot), the wall clock keeps its reading.
   */
  reboot(nowUs: VirtualUs, bootOffsetUs: number): void {
    const wallNow = this.wallUs(nowUs);
    this.baseVirtualUs = nowUs;
    this.baseLocalUs = bootOffsetUs;
    this.wallOffsetUs = wallNow - bootOffsetUs;
  }
}
