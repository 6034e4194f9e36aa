import { describe, expect, it } from "vitest";
import type { Runtime } from "@blixard/core";
import { Simulation } from "../src/index";

describe("node lifecycle", () => {
  it("a crashed node's timers never fire, and its restart boots fresh software", () => {
    const sim = new Simulation({ seed: 2 });
    const fired: string[] = [];
    let boots = 0;
    sim.addNode("n1", (rt) => {
      const incarnation = ++boots;
      rt.clock.setTimer(100, () => fired.push(`inc${incarnation}`));
      return rt;
    });
    sim.runUntil(50_000);
    sim.crash("n1");
    expect(sim.status("n1")).toBe("down");
    expect(sim.instance("n1")).toBeUndefined();
    sim.runUntil(1_000_000);
    expect(fired).toEqual([]);
    sim.restart("n1");
    sim.runUntil(2_000_000);
    expect(fired).toEqual(["inc2"]);
    expect(sim.crashCounts()).toEqual({ crashes: 1, restarts: 1 });
  });

  it("a restarted host gets a fresh monotonic origin but its wall clock carries on", () => {
    const sim = new Simulation({ seed: 2 });
    sim.addNode("n1", (rt) => rt);
    sim.runUntil(5_000_000);
    const before = sim.instance<Runtime>("n1")!;
    const wallBefore = before.clock.wallClockMs();
    const monoBefore = before.clock.monotonicMs();
    sim.crash("n1");
    sim.restart("n1");
    const after = sim.instance<Runtime>("n1")!;
    expect(Math.abs(after.clock.wallClockMs() - wallBefore)).toBeLessThan(1);
    expect(after.clock.monotonicMs()).not.toBe(monoBefore);
  });

  it("pause holds a node's events and resume runs them in order", () => {
    const sim = new Simulation({ seed: 2, network: { latency: { baseUs: 10, jitterUs: 0, tailProbability: 0, tailUs: 0 } } });
    const log: string[] = [];
    sim.addNode("a", (rt) => rt);
    sim.addNode("b", (rt) => {
      rt.net.onReceive((from) => log.push(`msg:${from}@${sim.nowUs()}`));
      rt.clock.setTimer(1, () => log.push(`timer@${sim.nowUs()}`));
      return rt;
    });
    sim.pause("b");
    sim.instance<Runtime>("a")!.net.send("b", new Uint8Array(1));
    sim.runUntil(500_000);
    expect(log).toEqual([]);
    expect(sim.status("b")).toBe("paused");
    sim.resume("b");
    sim.runUntil(500_000);
    expect(log).toEqual(["msg:a@500000", "timer@500000"]); // held in arrival order: message at 10µs, timer at 1ms
  });

  it("world events run in (time, insertion) order and are traced with their labels", () => {
    const sim = new Simulation({ seed: 2 });
    const order: string[] = [];
    sim.schedule(10, "second", () => order.push("second"));
    sim.schedule(5, "first", () => order.push("first"));
    sim.schedule(10, "third", () => order.push("third"));
    const cancelled = sim.schedule(7, "never", () => order.push("never"));
    cancelled.cancel();
    sim.runUntil(100);
    expect(order).toEqual(["first", "second", "third"]);
    expect(sim.trace.tail().map((e) => e.kind)).toEqual(["first", "second", "third"]);
    expect(sim.nowUs()).toBe(100);
  });

  it("tracer calls land in the trace with sorted, deterministic fields", () => {
    const sim = new Simulation({ seed: 2 });
    sim.addNode("n1", (rt) => {
      rt.tracer.event("elected", { term: 3, leader: "n1" });
      rt.tracer.warn("slow-disk", { ms: 12 });
      return rt;
    });
    const tail = sim.trace.tail();
    expect(tail.at(-2)).toMatchObject({ node: "n1", kind: "ev.elected", detail: 'leader="n1" term=3' });
    expect(tail.at(-1)).toMatchObject({ node: "n1", kind: "warn.slow-disk", detail: "ms=12" });
  });

  it("rejects duplicate or malformed endpoint ids", () => {
    const sim = new Simulation({ seed: 2 });
    sim.addNode("n1", (rt) => rt);
    expect(() => sim.addNode("n1", (rt) => rt)).toThrow(/already exists/);
    expect(() => sim.addClient("bad id", (rt) => rt)).toThrow(/endpoint id/);
    expect(() => sim.crash("nope")).toThrow(/unknown node "nope"/);
  });
});
