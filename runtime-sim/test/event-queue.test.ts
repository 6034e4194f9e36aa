import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, QueuedEvent } from "../src/world/event-queue";

const event = (atUs: number, seq: number): QueuedEvent => new QueuedEvent(atUs, seq, "e", null, -1, "", () => {});

describe("EventQueue", () => {
  it("pops in (time, seq) order for any push order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const queue = new EventQueue();
        times.forEach((t, seq) => queue.push(event(t, seq)));
        const popped: QueuedEvent[] = [];
        for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e);
        const expected = times.map((t, seq) => ({ t, seq })).sort((a, b) => a.t - b.t || a.seq - b.seq);
        expect(popped.map((e) => [e.atUs, e.seq])).toEqual(expected.map((e) => [e.t, e.seq]));
      }),
    );
  });

  it("interleaves pushes and pops correctly", () => {
    const queue = new EventQueue();
    queue.push(event(5, 0));
    queue.push(event(1, 1));
    expect(queue.pop()!.atUs).toBe(1);
    queue.push(event(3, 2));
    queue.push(event(3, 3));
    expect([queue.pop()!.seq, queue.pop()!.seq, queue.pop()!.seq]).toEqual([2, 3, 0]);
    expect(queue.pop()).toBeUndefined();
  });
});
