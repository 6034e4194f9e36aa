import { describe, expect, it } from "vitest";
import { crc32 } from "@blixard/core";
import { bytes, probeWorld } from "./helpers";

describe("network model", () => {
  it("delivers after the configured latency, with the transport sender", () => {
    const { sim, probe } = probeWorld(["a", "b"]);
    probe("a").runtime.net.send("b", bytes(1, 2, 3));
    sim.runUntil(10_000);
    expect(probe("b").received).toEqual([{ from: "a", payload: bytes(1, 2, 3), atUs: 1_000 }]);
  });

  it("never delivers across a partition; healing restores delivery", () => {
    const { sim, probe } = probeWorld(["a", "b", "c"]);
    sim.network.links.partition([["a"], ["b", "c"]]);
    probe("a").runtime.net.send("b", bytes(1));
    probe("b").runtime.net.send("a", bytes(2));
    probe("b").runtime.net.send("c", bytes(3));
    sim.runUntil(10_000);
    expect(probe("b").received).toHaveLength(0);
    expect(probe("a").received).toHaveLength(0);
    expect(probe("c").received.map((m) => m.from)).toEqual(["b"]);
    expect(sim.network.stats.dropped["partition-at-send"]).toBe(2);
    sim.network.links.heal();
    probe("a").runtime.net.send("b", bytes(4));
    sim.runUntil(20_000);
    expect(probe("b").received.map((m) => m.payload[0])).toEqual([4]);
  });

  it("a one-way cut drops A→B but still delivers B→A", () => {
    const { sim, probe } = probeWorld(["a", "b"]);
    sim.network.links.cutOneWay("a", "b");
    probe("a").runtime.net.send("b", bytes(1));
    probe("b").runtime.net.send("a", bytes(2));
    sim.runUntil(10_000);
    expect(probe("b").received).toHaveLength(0);
    expect(probe("a").received.map((m) => m.payload[0])).toEqual([2]);
  });

  it("drops a message in flight when a partition starts before it arrives", () => {
    const { sim, probe } = probeWorld(["a", "b"]);
    probe("a").runtime.net.send("b", bytes(1));
    sim.schedule(500, "cut", () => sim.network.links.cutBoth("a", "b"));
    sim.runUntil(10_000);
    expect(probe("b").received).toHaveLength(0);
    expect(sim.network.stats.dropped["partition-in-flight"]).toBe(1);
  });

  it("bridge: both sides reach the bridge node but not each other", () => {
    const { sim, probe } = probeWorld(["a", "b", "x", "c", "d"]);
    sim.network.links.bridge(["a", "b"], ["c", "d"], "x");
    for (const to of ["b", "x", "c", "d"]) probe("a").runtime.net.send(to, bytes(1));
    probe("x").runtime.net.send("d", bytes(2));
    sim.runUntil(10_000);
    expect(["b", "x", "c", "d"].map((id) => probe(id).received.length)).toEqual([1, 1, 0, 1]);
  });

  it("clients are endpoints and can be partitioned", () => {
    const { sim, probe } = probeWorld(["a"]);
    const got: string[] = [];
    const client = sim.addClient("c1", (rt) => {
      rt.net.onReceive((from) => got.push(from));
      return rt;
    });
    sim.network.links.isolate("c1", ["a"]);
    client.net.send("a", bytes(1));
    probe("a").runtime.net.send("c1", bytes(2));
    sim.runUntil(10_000);
    expect(got).toEqual([]);
    expect(probe("a").received).toHaveLength(0);
    sim.network.links.heal();
    client.net.send("a", bytes(3));
    sim.runUntil(20_000);
    expect(probe("a").received.map((m) => m.from)).toEqual(["c1"]);
  });

  it("loss drops and duplication doubles, as observed by the receiver", () => {
    const lossy = probeWorld(["a", "b"], { network: { lossProbability: 0.3 } });
    for (let i = 0; i < 1000; i++) lossy.probe("a").runtime.net.send("b", bytes(i & 255));
    lossy.sim.runUntil(1_000_000);
    const delivered = lossy.probe("b").received.length;
    expect(delivered).toBeGreaterThan(600);
    expect(delivered).toBeLessThan(800);
    expect(lossy.sim.network.stats.dropped.loss).toBe(1000 - delivered);

    const dupy = probeWorld(["a", "b"], { network: { duplicateProbability: 0.2 } });
    for (let i = 0; i < 1000; i++) dupy.probe("a").runtime.net.send("b", bytes(i & 255));
    dupy.sim.runUntil(1_000_000);
    const copies = dupy.probe("b").received.length;
    expect(copies).toBeGreaterThan(1100);
    expect(copies).toBeLessThan(1300);
    expect(dupy.sim.network.stats.duplicated).toBe(copies - 1000);
  });

  it("jitter reorders messages", () => {
    const { sim, probe } = probeWorld(["a", "b"], { network: { latency: { baseUs: 100, jitterUs: 5_000, tailProbability: 0, tailUs: 0 } } });
    for (let i = 0; i < 50; i++) probe("a").runtime.net.send("b", bytes(i));
    sim.runUntil(1_000_000);
    const order = probe("b").received.map((m) => m.payload[0]!);
    expect(order).toHaveLength(50);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it("drops oversize messages at send and traces them", () => {
    const { sim, probe } = probeWorld(["a", "b"], { network: { maxMessageBytes: 4 } });
    probe("a").runtime.net.send("b", new Uint8Array(5));
    probe("a").runtime.net.send("b", new Uint8Array(4));
    sim.runUntil(10_000);
    expect(probe("b").received).toHaveLength(1);
    expect(sim.network.stats.dropped.oversize).toBe(1);
    expect(sim.trace.tail().some((e) => e.kind === "net.drop.oversize")).toBe(true);
  });

  it("drops messages to a crashed node on arrival, and delivers to it again after restart", () => {
    const { sim, probe } = probeWorld(["a", "b"]);
    probe("a").runtime.net.send("b", bytes(1));
    sim.crash("b");
    sim.runUntil(10_000);
    expect(sim.network.stats.dropped["receiver-down"]).toBe(1);
    sim.restart("b");
    probe("a").runtime.net.send("b", bytes(2));
    sim.runUntil(20_000);
    expect(probe("b").received.map((m) => m.payload[0])).toEqual([2]);
  });

  it("a sender's copy of the payload cannot change what is delivered", () => {
    const { sim, probe } = probeWorld(["a", "b"]);
    const payload = bytes(1, 2);
    probe("a").runtime.net.send("b", payload);
    payload[0] = 9;
    sim.runUntil(10_000);
    expect(probe("b").received[0]!.payload).toEqual(bytes(1, 2));
  });
});

describe("Byzantine senders", () => {
  const frame = (value: number): Uint8Array => {
    const body = bytes(value, value, value, value);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setUint32(0, crc32(body));
    out.set(body, 4);
    return out;
  };
  const valid = (p: Uint8Array): boolean => p.length === 8 && new DataView(p.buffer, p.byteOffset).getUint32(0) === crc32(p.subarray(4));

  it("corruption, garbage, mutated duplicates and replays reach the receiver, and checksums catch the damage", () => {
    const { sim, probe } = probeWorld(["byz", "honest"]);
    sim.network.markByzantine("byz", { corruptProbability: 0.25, replayProbability: 0.25, mutatedDuplicateProbability: 0.2, garbageProbability: 0.1, maxFlippedBits: 3 });
    for (let i = 0; i < 200; i++) probe("byz").runtime.net.send("honest", frame(i));
    sim.runUntil(1_000_000);
    const received = probe("honest").received.map((m) => m.payload);
    const invalid = received.filter((p) => !valid(p));
    const replays = received.filter((p) => valid(p)).map((p) => p[4]!);
    expect(received.length).toBeGreaterThan(200); // duplicates and replays add messages
    expect(invalid.length).toBeGreaterThan(30); // corrupted, garbage and mutated copies arrive...
    expect(new Set(replays).size).toBeLessThan(replays.length); // ...and some valid messages arrive twice (replays)
    expect(sim.network.stats.byzantine).toBeGreaterThan(50);
    const kinds = new Set(sim.trace.tail(64).map((e) => /byz=(\S+)/.exec(e.detail)?.[1]).filter((k) => k !== undefined));
    expect(kinds.size).toBeGreaterThan(1);
  });

  it("an honest node's traffic is untouched", () => {
    const { sim, probe } = probeWorld(["byz", "honest"]);
    sim.network.markByzantine("byz", { corruptProbability: 1, replayProbability: 1, mutatedDuplicateProbability: 1, garbageProbability: 1, maxFlippedBits: 3 });
    for (let i = 0; i < 50; i++) probe("honest").runtime.net.send("byz", frame(i));
    sim.runUntil(1_000_000);
    expect(probe("byz").received.every((m) => valid(m.payload))).toBe(true);
    expect(probe("byz").received).toHaveLength(50);
  });
});
