import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Runtime } from "@blixard/core";
import { localElapsedUs, Simulation, virtualForLocalUs } from "../src/index";

interface ProbeNodeLike {
  readonly runtime: Runtime;
}

describe("drift arithmetic", () => {
  it("is exact integer math and its inverse never undershoots", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: -500, max: 500 }), (localUs, ppm) => {
        const v = virtualForLocalUs(localUs, ppm);
        expect(localElapsedUs(v, ppm)).toBeGreaterThanOrEqual(localUs);
        if (v > 0) expect(localElapsedUs(v - 1, ppm)).toBeLessThan(localUs);
        expect(Number.isSafeInteger(v)).toBe(true);
      }),
    );
    expect(localElapsedUs(1_000_000_000, 200)).toBe(1_000_200_000);
    expect(localElapsedUs(1_000_000_000, -200)).toBe(999_800_000);
  });
});

describe("node clocks", () => {
  const world = (drifts: Record<string, number>): { sim: Simulation; node: (id: string) => ProbeNodeLike } => {
    const sim = new Simulation({ seed: 3 });
    for (const [id, driftPpm] of Object.entries(drifts)) sim.addNode(id, (runtime) => ({ runtime }), { driftPpm });
    return { sim, node: (id) => sim.instance<ProbeNodeLike>(id)! };
  };

  it("local monotonic time diverges at the configured ppm", () => {
    const { sim, node } = world({ fast: 200, slow: -200 });
    const fast0 = node("fast").runtime.clock.monotonicMs();
    const slow0 = node("slow").runtime.clock.monotonicMs();
    sim.runUntil(100_000_000); // 100 s
    expect(node("fast").runtime.clock.monotonicMs() - fast0).toBeCloseTo(100_020, 6);
    expect(node("slow").runtime.clock.monotonicMs() - slow0).toBeCloseTo(99_980, 6);
    expect(sim.clockConfig.maxDriftPpm).toBe(200);
  });

  it("a test may exceed the stated drift bound on purpose", () => {
    const { sim, node } = world({ broken: 50_000 });
    const t0 = node("broken").runtime.clock.monotonicMs();
    sim.runUntil(1_000_000);
    expect(node("broken").runtime.clock.monotonicMs() - t0).toBeCloseTo(1_050, 6);
  });

  it("timers fire after the delay measured on the node's own clock, never early", () => {
    const { sim, node } = world({ slow: -200, fast: 200 });
    const fired: Record<string, [number, number]> = {};
    for (const id of ["slow", "fast"]) {
      const clock = node(id).runtime.clock;
      const start = clock.monotonicMs();
      clock.setTimer(10_000, () => (fired[id] = [clock.monotonicMs() - start, sim.nowUs()]));
    }
    sim.schedule(3_000_000, "drift-change", () => sim.clock("fast").setDrift(sim.nowUs(), -200));
    sim.runUntil(20_000_000);
    expect(fired.slow![0]).toBeGreaterThanOrEqual(10_000);
    expect(fired.slow![0]).toBeLessThan(10_000.002);
    expect(fired.fast![0]).toBeGreaterThanOrEqual(10_000); // drift slowed mid-wait: re-armed, not early
    expect(fired.slow![1]).toBeGreaterThan(10_000_000); // slow clock: more true time passes
  });

  it("cancelled timers never fire", () => {
    const { sim, node } = world({ a: 0 });
    let fired = 0;
    const handle = node("a").runtime.clock.setTimer(5, () => fired++);
    node("a").runtime.clock.cancelTimer(handle);
    node("a").runtime.clock.cancelTimer(handle);
    sim.runUntil(1_000_000);
    expect(fired).toBe(0);
    expect(() => node("a").runtime.clock.setTimer(-1, () => {})).toThrow(/delay/);
  });

  it("wall-clock jumps are observed both ways while monotonic time only moves forward", () => {
    const { sim, node } = world({ a: 100 });
    const clock = node("a").runtime.clock;
    const samples: { wall: number; mono: number }[] = [];
    const sample = (): void => void samples.push({ wall: clock.wallClockMs(), mono: clock.monotonicMs() });
    sample();
    sim.schedule(1_000_000, "jump-back", () => sim.clock("a").jumpWall(-3_600_000_000));
    sim.schedule(1_000_001, "sample", sample);
    sim.schedule(2_000_000, "jump-forward", () => sim.clock("a").jumpWall(7_200_000_000));
    sim.schedule(2_000_001, "sample", sample);
    sim.schedule(3_000_000, "resync", () => sim.clock("a").undoWallJumps());
    sim.schedule(3_000_001, "sample", sample);
    sim.runUntil(4_000_000);
    expect(samples[1]!.wall - samples[0]!.wall).toBeLessThan(-3_590_000);
    expect(samples[2]!.wall - samples[1]!.wall).toBeGreaterThan(7_190_000);
    expect(Math.abs(samples[3]!.wall - samples[0]!.wall - (samples[3]!.mono - samples[0]!.mono))).toBeLessThan(1);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.mono).toBeGreaterThan(samples[i - 1]!.mono);
  });
});
