import { describe, expect, it } from "vitest";
import { CryptoRandom } from "../src/crypto-random";
import { JsonLinesTracer } from "../src/json-tracer";
import { SystemClock } from "../src/system-clock";
import { sleep, waitFor } from "./helpers";

describe("SystemClock", () => {
  it("keeps cancelled timers from piling up: the heap is compacted as timers are reset", async () => {
    const clock = new SystemClock();
    let fired = 0;
    // An election-timer pattern: set a long timer, cancel it, set another, many times.
    for (let round = 0; round < 10_000; round++) clock.cancelTimer(clock.setTimer(60_000, () => fired++));
    const last = clock.setTimer(1, () => fired++);
    expect(clock.pendingTimerCount()).toBe(1);
    expect((clock as unknown as { heap: unknown[] }).heap.length).toBeLessThan(200);
    await waitFor(() => fired === 1);
    clock.cancelTimer(last);
    clock.close();
  });

  it("runSoon runs after the callbacks already queued in this turn, and never after close()", async () => {
    const clock = new SystemClock();
    const order: string[] = [];
    clock.runSoon(() => order.push("soon"));
    queueMicrotask(() => order.push("microtask"));
    order.push("now");
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["now", "microtask", "soon"]);
    clock.runSoon(() => order.push("after close"));
    clock.close();
    clock.runSoon(() => order.push("after close"));
    await sleep(5);
    expect(order).toEqual(["now", "microtask", "soon"]);
  });

  it("fires nothing after close(), and treats negative or NaN delays as zero", async () => {
    const clock = new SystemClock();
    const fired: string[] = [];
    clock.setTimer(-5, () => fired.push("negative"));
    clock.setTimer(Number.NaN, () => fired.push("nan"));
    await waitFor(() => fired.length === 2);
    clock.setTimer(5, () => fired.push("after-close"));
    clock.close();
    clock.setTimer(0, () => fired.push("set-after-close"));
    await sleep(30);
    expect(fired).toEqual(["negative", "nan"]);
  });
});

describe("CryptoRandom", () => {
  it("replays the same stream for the same seed and differs for another", () => {
    const draw = (random: CryptoRandom) => [random.nextUint32(), random.nextInt(0, 1_000_000), random.nextFloat(), random.nextInt(-(2 ** 40), 2 ** 40)];
    expect(draw(new CryptoRandom({ seed: 42 }))).toEqual(draw(new CryptoRandom({ seed: 42 })));
    expect(draw(new CryptoRandom({ seed: 42 }))).not.toEqual(draw(new CryptoRandom({ seed: 43 })));
  });

  it("covers ranges wider than 2^32 and rejects bad bounds with a clear message", () => {
    const random = new CryptoRandom();
    for (let draw = 0; draw < 200; draw++) {
      const value = random.nextInt(0, Number.MAX_SAFE_INTEGER - 1);
      expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
    }
    expect(() => random.nextInt(5, 4)).toThrow(/min <= max/);
    expect(() => random.nextInt(0.5, 4)).toThrow(/safe integers/);
    expect(() => random.nextInt(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).toThrow(/wider than 2\^53/);
  });
});

describe("JsonLinesTracer", () => {
  it("writes one JSON object per event with time, level, node and kind that fields cannot overwrite", () => {
    const lines: string[] = [];
    const tracer = new JsonLinesTracer({ nodeId: "n1", writeLine: (line) => lines.push(line), wallClockMs: () => 1_000, maxFieldChars: 16 });
    tracer.event("raft.elected", { term: 3, leader: "n1", skipped: undefined, kind: "forged" });
    tracer.warn("disk.slow", { detail: "0123456789abcdefXYZ", ratio: Number.POSITIVE_INFINITY });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { tsMs: 1_000, level: "event", node: "n1", kind: "raft.elected", term: 3, leader: "n1", "field.kind": "forged" },
      { tsMs: 1_000, level: "warn", node: "n1", kind: "disk.slow", detail: "0123456789abcdef…(19 chars)", ratio: "Infinity" },
    ]);
  });
});
