import { describe, expect, it } from "vitest";
import { InboundScheduler, type InboundSource } from "../src/inbound-scheduler";

/** Turns run only when the test calls step(); time moves by `costMs` per delivered frame. */
function harness(options: { perConnection?: number; perPeer?: number; framesPerTurn?: number; turnMs?: number; costMs?: number } = {}) {
  let nowMs = 0;
  let pendingTurn: (() => void) | null = null;
  const delivered: string[] = [];
  const dropped: string[] = [];
  const scheduler = new InboundScheduler({
    maxQueuedFramesPerConnection: options.perConnection ?? 8,
    maxQueuedFramesPerPeer: options.perPeer ?? 16,
    maxFramesPerTurn: options.framesPerTurn ?? 100,
    maxTurnMs: options.turnMs ?? 1_000,
    now: () => nowMs,
    later: (turn) => (pendingTurn = turn),
    deliver: (from, payload) => {
      delivered.push(`${from}:${new TextDecoder().decode(payload)}`);
      nowMs += options.costMs ?? 0;
    },
    dropped: (source) => dropped.push(source.peerId),
  });
  const source = (peerId: string, pausable: boolean) => {
    const s = { peerId, pausable, paused: false, pause: () => (s.paused = true), resume: () => (s.paused = false) };
    return s as InboundSource & { paused: boolean };
  };
  const frame = (text: string) => new TextEncoder().encode(text);
  /** Run the scheduled turn, if any; returns what it delivered. */
  const step = (): string[] => {
    const before = delivered.length;
    const turn = pendingTurn;
    pendingTurn = null;
    turn?.();
    return delivered.slice(before);
  };
  return { scheduler, source, frame, step, delivered, dropped, hasTurn: () => pendingTurn !== null };
}

describe("InboundScheduler", () => {
  it("hands frames over round-robin, one per connection per pass, in each connection's order", () => {
    const h = harness();
    const flood = h.source("flood", true);
    const calm = h.source("calm", true);
    for (let i = 1; i <= 5; i++) h.scheduler.enqueue(flood, h.frame(`f${i}`));
    h.scheduler.enqueue(calm, h.frame("c1"));
    h.scheduler.enqueue(calm, h.frame("c2"));
    expect(h.step()).toEqual(["flood:f1", "calm:c1", "flood:f2", "calm:c2", "flood:f3", "flood:f4", "flood:f5"]);
    expect(h.hasTurn()).toBe(false);
  });

  it("stops a turn at its frame or time budget and continues on a later turn", () => {
    const byFrames = harness({ framesPerTurn: 3 });
    const a = byFrames.source("a", true);
    for (let i = 1; i <= 7; i++) byFrames.scheduler.enqueue(a, byFrames.frame(`${i}`));
    expect(byFrames.step()).toEqual(["a:1", "a:2", "a:3"]);
    expect(byFrames.step()).toEqual(["a:4", "a:5", "a:6"]);
    expect(byFrames.step()).toEqual(["a:7"]);
    const byTime = harness({ turnMs: 10, costMs: 4 });
    const b = byTime.source("b", true);
    for (let i = 1; i <= 5; i++) byTime.scheduler.enqueue(b, byTime.frame(`${i}`));
    expect(byTime.step()).toEqual(["b:1", "b:2", "b:3"]);
    expect(byTime.step()).toEqual(["b:4", "b:5"]);
  });

  it("pauses a client whose queue fills and resumes it once half has drained", () => {
    const h = harness({ perConnection: 4, framesPerTurn: 1 });
    const client = h.source("c", true);
    for (let i = 1; i <= 3; i++) h.scheduler.enqueue(client, h.frame(`${i}`));
    expect(client.paused).toBe(false);
    h.scheduler.enqueue(client, h.frame("4"));
    expect(client.paused).toBe(true);
    h.step(); // 3 waiting
    expect(client.paused).toBe(true);
    h.step(); // 2 waiting: half
    expect(client.paused).toBe(false);
  });

  it("never pauses a peer: past its bound its newest frames are dropped", () => {
    const h = harness({ perConnection: 2, perPeer: 3 });
    const peer = h.source("n2", false);
    for (let i = 1; i <= 5; i++) h.scheduler.enqueue(peer, h.frame(`${i}`));
    expect(peer.paused).toBe(false);
    expect(h.dropped).toEqual(["n2", "n2"]);
    expect(h.step()).toEqual(["n2:1", "n2:2", "n2:3"]);
  });

  it("discards a closed connection's frames", () => {
    const h = harness();
    const gone = h.source("gone", true);
    const stays = h.source("stays", true);
    h.scheduler.enqueue(gone, h.frame("x"));
    h.scheduler.enqueue(stays, h.frame("y"));
    h.scheduler.remove(gone);
    expect(h.scheduler.queuedFrames).toBe(1);
    expect(h.step()).toEqual(["stays:y"]);
  });

  it("a handler that throws does not strand the frames still waiting", () => {
    let pendingTurn: (() => void) | null = null;
    const delivered: string[] = [];
    const scheduler = new InboundScheduler({
      maxQueuedFramesPerConnection: 8, maxQueuedFramesPerPeer: 8, maxFramesPerTurn: 100, maxTurnMs: 1_000,
      now: () => 0,
      later: (turn) => (pendingTurn = turn),
      deliver: (_from, payload) => {
        const text = new TextDecoder().decode(payload);
        delivered.push(text);
        if (text === "boom") throw new Error("handler bug");
      },
      dropped: () => {},
    });
    const source: InboundSource = { peerId: "c", pausable: true, pause: () => {}, resume: () => {} };
    for (const text of ["a", "boom", "b"]) scheduler.enqueue(source, new TextEncoder().encode(text));
    const run = () => {
      const turn = pendingTurn;
      pendingTurn = null;
      turn?.();
    };
    expect(run).toThrow("handler bug");
    run();
    expect(delivered).toEqual(["a", "boom", "b"]);
  });
});
