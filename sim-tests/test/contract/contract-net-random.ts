import { expect, it } from "vitest";
import { eventually, fromUtf8, utf8, type ContractContext } from "./contract-types";

export function randomCases(context: ContractContext): void {
  it("nextInt stays in [min, max] and reaches every value; nextUint32 and nextFloat stay in range", async () => {
    const cluster = await context.cluster(["n1"]);
    const { random } = cluster.runtime("n1");
    const seen = new Set<number>();
    for (let draw = 0; draw < 1_000; draw++) {
      const value = random.nextInt(-3, 6);
      expect(Number.isInteger(value) && value >= -3 && value <= 6).toBe(true);
      seen.add(value);
      const word = random.nextUint32();
      expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
      const float = random.nextFloat();
      expect(float >= 0 && float < 1).toBe(true);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
    expect(random.nextInt(7, 7)).toBe(7);
  });
}

export function netCases(context: ContractContext): void {
  it("delivers a message A→B with the sender's id as `from` and the exact bytes, both ways", async () => {
    const cluster = await context.cluster(["a", "b"]);
    const received: { at: string; from: string; body: string }[] = [];
    for (const id of ["a", "b"]) {
      cluster.runtime(id).net.onReceive((from, payload) => received.push({ at: id, from, body: fromUtf8(payload) ?? "" }));
    }
    expect(cluster.runtime("a").net.selfId).toBe("a");
    cluster.runtime("a").net.send("b", utf8("ping ☃"));
    await eventually(cluster, () => received.length === 1, context.factory.patienceMs, "delivery a→b");
    cluster.runtime("b").net.send("a", utf8("pong"));
    await eventually(cluster, () => received.length === 2, context.factory.patienceMs, "delivery b→a");
    expect(received).toEqual([
      { at: "b", from: "a", body: "ping ☃" },
      { at: "a", from: "b", body: "pong" },
    ]);
  });

  it("drops a payload over maxMessageBytes without throwing, and later messages still flow", async () => {
    const cluster = await context.cluster(["a", "b"]);
    const sizes: number[] = [];
    cluster.runtime("b").net.onReceive((_, payload) => sizes.push(payload.length));
    const oversized = new Uint8Array(context.factory.maxMessageBytes + 1);
    expect(() => cluster.runtime("a").net.send("b", oversized)).not.toThrow();
    cluster.runtime("a").net.send("b", utf8("after"));
    await eventually(cluster, () => sizes.length >= 1, context.factory.patienceMs, "delivery after an oversized send");
    await cluster.settle(50);
    expect(sizes).toEqual([5]);
  });

  it("a send to an unknown endpoint neither throws nor arrives anywhere", async () => {
    const cluster = await context.cluster(["a", "b"]);
    const received: string[] = [];
    cluster.runtime("b").net.onReceive((from) => received.push(from));
    cluster.runtime("a").net.onReceive((from) => received.push(from));
    expect(() => cluster.runtime("a").net.send("nobody", utf8("lost"))).not.toThrow();
    await cluster.settle(100);
    expect(received).toEqual([]);
  });
}
