import { expect, it } from "vitest";
import type { ContractContext } from "./contract-types";

/** Drift both runtimes may show between the node's clock and the time settle() lets pass. */
const DRIFT_TOLERANCE = 0.99;

export function clockCases(context: ContractContext): void {
  it("monotonicMs never decreases and advances with the time that passes", async () => {
    const cluster = await context.cluster(["n1"]);
    const { clock } = cluster.runtime("n1");
    const samples = [clock.monotonicMs()];
    for (let round = 0; round < 20; round++) {
      await cluster.settle(5);
      samples.push(clock.monotonicMs(), clock.monotonicMs());
    }
    for (let i = 1; i < samples.length; i++) expect(samples[i]!).toBeGreaterThanOrEqual(samples[i - 1]!);
    expect(samples.at(-1)! - samples[0]!).toBeGreaterThanOrEqual(100 * DRIFT_TOLERANCE);
    expect(Number.isFinite(clock.wallClockMs())).toBe(true);
    expect(clock.wallClockMs()).toBeGreaterThan(Date.UTC(2000, 0, 1));
  });

  it("timers fire in deadline order (ties in the order set) and never before their delay", async () => {
    const cluster = await context.cluster(["n1"]);
    const { clock } = cluster.runtime("n1");
    const fired: { label: string; elapsedMs: number }[] = [];
    const startMs = clock.monotonicMs();
    const delays: [string, number][] = [["30", 30], ["10a", 10], ["20", 20], ["10b", 10], ["0", 0]];
    for (const [label, delayMs] of delays) {
      clock.setTimer(delayMs, () => fired.push({ label, elapsedMs: clock.monotonicMs() - startMs }));
    }
    expect(fired).toEqual([]);
    await eventuallyFired(cluster, () => fired.length === delays.length, context.factory.patienceMs);
    expect(fired.map((f) => f.label)).toEqual(["0", "10a", "10b", "20", "30"]);
    for (const { label, elapsedMs } of fired) {
      const delayMs = delays.find(([name]) => name === label)![1];
      expect(elapsedMs, `timer ${label} fired early`).toBeGreaterThanOrEqual(delayMs);
    }
  });

  it("a cancelled timer never fires; cancelling twice or after firing is a no-op", async () => {
    const cluster = await context.cluster(["n1"]);
    const { clock } = cluster.runtime("n1");
    const fired: string[] = [];
    const cancelled = clock.setTimer(10, () => fired.push("cancelled"));
    const kept = clock.setTimer(20, () => fired.push("kept"));
    clock.cancelTimer(cancelled);
    clock.cancelTimer(cancelled);
    await eventuallyFired(cluster, () => fired.includes("kept"), context.factory.patienceMs);
    clock.cancelTimer(kept);
    await cluster.settle(50);
    expect(fired).toEqual(["kept"]);
  });

  it("a timer set from inside a timer callback fires later, not in the same instant", async () => {
    const cluster = await context.cluster(["n1"]);
    const { clock } = cluster.runtime("n1");
    const at: number[] = [];
    clock.setTimer(5, () => {
      at.push(clock.monotonicMs());
      clock.setTimer(15, () => at.push(clock.monotonicMs()));
    });
    await eventuallyFired(cluster, () => at.length === 2, context.factory.patienceMs);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(15);
  });
}

async function eventuallyFired(cluster: { settle(ms: number): Promise<void> }, done: () => boolean, maxMs: number): Promise<void> {
  for (let step = 0; step < maxMs / 5 && !done(); step++) await cluster.settle(5);
  expect(done(), `timers did not fire within ${maxMs} ms`).toBe(true);
}
