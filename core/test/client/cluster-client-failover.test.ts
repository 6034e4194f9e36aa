import { describe, expect, it } from "vitest";
import { ClusterClient, defaultClusterClientConfig, type ClientOutcome, type ClusterClientConfig } from "../../src/client/cluster-client";
import type { BlixardError } from "../../src/errors";
import type { Clock, TimerHandle } from "../../src/ports/clock";
import type { NetEndpoint } from "../../src/ports/net";
import { decodeWire, encodeWire } from "../../src/protocol/wire";
import type { WireMessage } from "../../src/protocol/wire-types";
import { SeededRandom } from "../raft/seeded-random";

/** Time that moves only when the test says so. */
class ManualClock implements Clock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { atMs: number; fire: () => void }>();
  monotonicMs(): number {
    return this.nowMs;
  }
  wallClockMs(): number {
    return this.nowMs;
  }
  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const timerId = this.nextId++;
    this.timers.set(timerId, { atMs: this.nowMs + delayMs, fire });
    return { timerId };
  }
  cancelTimer(handle: TimerHandle): void {
    this.timers.delete(handle.timerId);
  }
  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (let fired = 0; fired < 10_000; fired++) {
      const due = [...this.timers.entries()].filter(([, t]) => t.atMs <= endMs).sort((a, b) => a[1].atMs - b[1].atMs || a[0] - b[0])[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].fire();
    }
    this.nowMs = endMs;
  }
}

/** A transport double: records what the client sends, lets the test answer or report a node unreachable. */
class FakeNet implements NetEndpoint {
  readonly selfId = "client-test";
  readonly sent: { to: string; requestId: string; atMs: number }[] = [];
  private receive: (from: string, payload: Uint8Array) => void = () => {};
  private unreachable: (peer: string, error: BlixardError) => void = () => {};
  constructor(private readonly clock: ManualClock) {}
  send(to: string, payload: Uint8Array): void {
    const decoded = decodeWire(payload, this.selfId);
    if (decoded.ok && decoded.value.kind === "client-request") this.sent.push({ to, requestId: decoded.value.requestId, atMs: this.clock.monotonicMs() });
  }
  onReceive(handler: (from: string, payload: Uint8Array) => void): void {
    this.receive = handler;
  }
  onUnreachable(handler: (peer: string, error: BlixardError) => void): void {
    this.unreachable = handler;
  }
  answer(from: string, message: WireMessage): void {
    this.receive(from, encodeWire(message));
  }
  refuse(peer: string): void {
    this.unreachable(peer, { code: "peer-unreachable", message: `cannot reach ${peer}: connect ECONNREFUSED` });
  }
  last(): { to: string; requestId: string; atMs: number } {
    const last = this.sent.at(-1);
    if (last === undefined) throw new Error("nothing sent");
    return last;
  }
}

function setUp(config: Partial<ClusterClientConfig> = {}) {
  const clock = new ManualClock();
  const net = new FakeNet(clock);
  const client = new ClusterClient({ clientId: net.selfId, clock, random: new SeededRandom(3), net }, { ...defaultClusterClientConfig(["n1", "n2", "n3"]), ...config });
  const outcomes: ClientOutcome[] = [];
  const put = () => client.submit({ module: "kv", command: { type: "put", key: "k", value: "v" } }, (o) => outcomes.push(o));
  const ok = (from: string) => net.answer(from, { v: 1, kind: "client-response", requestId: net.last().requestId, result: { created: true } });
  return { clock, net, client, outcomes, put, ok };
}

describe("ClusterClient failover", () => {
  it("fails an attempt at once when its node is reported unreachable, and tries another node without waiting out the timeout", () => {
    const { clock, net, outcomes, put, ok } = setUp();
    put();
    const first = net.last().to;
    clock.advance(5);
    net.refuse(first);
    expect(net.sent).toHaveLength(2);
    expect(net.last().to).not.toBe(first);
    expect(net.last().atMs).toBe(5);
    ok(net.last().to);
    expect(outcomes).toMatchObject([{ kind: "ok", attempts: 2 }]);
  });

  it("skips a dead node with a backoff that grows while it keeps failing, yet keeps it a candidate", () => {
    const { clock, net, put } = setUp({ unreachableBackoffMsInitial: 100, unreachableBackoffMsMax: 800, maxAttempts: 10_000 });
    // n1 is dead: refused whenever tried. n2 and n3 answer not-leader without a hint (an election that never ends).
    put();
    const n1Tries: number[] = [];
    for (let step = 0; step < 10_000 && clock.monotonicMs() < 10_000; step++) {
      const { to, requestId } = net.last();
      if (to === "n1") {
        n1Tries.push(clock.monotonicMs());
        net.refuse("n1");
      } else {
        net.answer(to, { v: 1, kind: "client-response", requestId, error: { code: "not-leader", message: "no leader yet" } });
        clock.advance(100);
      }
    }
    const gaps = n1Tries.slice(1).map((t, i) => t - (n1Tries[i] ?? 0));
    // Still tried again and again over 10 s (a candidate)...
    expect(n1Tries.length).toBeGreaterThan(5);
    // ...but ever less often, up to the 800 ms bound (jittered to half of it at least), never more often than 100 ms.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...gaps.slice(-3))).toBeGreaterThanOrEqual(400);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(800 + 200);
  });

  it("when every node is skipped, waits for the first to come off its backoff instead of spinning", () => {
    const { clock, net, put } = setUp({ unreachableBackoffMsInitial: 200, unreachableBackoffMsMax: 200, maxAttempts: 100 });
    put();
    for (let i = 0; i < 3; i++) net.refuse(net.last().to);
    const sentWhileDown = net.sent.length;
    clock.advance(50);
    expect(net.sent.length).toBe(sentWhileDown);
    clock.advance(200);
    expect(net.sent.length).toBe(sentWhileDown + 1);
  });

  it("backs off longer after each overloaded answer in a row, staying with the node that leads", () => {
    const { clock, net, outcomes, put } = setUp({ retryBackoffMs: 50, overloadBackoffMsMax: 1_000 });
    put();
    const leader = net.last().to;
    const sentAt: number[] = [net.last().atMs];
    for (let i = 0; i < 5; i++) {
      net.answer(leader, { v: 1, kind: "client-response", requestId: net.last().requestId, error: { code: "overloaded", message: "busy" } });
      const sentBefore = net.sent.length;
      for (let step = 0; step < 300 && net.sent.length === sentBefore; step++) clock.advance(10);
      sentAt.push(net.last().atMs);
      expect(net.last().to).toBe(leader);
    }
    const waits = sentAt.slice(1).map((t, i) => t - (sentAt[i] ?? 0));
    expect(waits).toEqual([50, 100, 200, 400, 800]);
    expect(outcomes).toEqual([]);
  });

  it("reports a lost majority after noQuorumReportMs, naming every node it cannot reach and how", () => {
    const { clock, net, outcomes, put } = setUp({ noQuorumReportMs: 3_000, maxAttempts: 1_000, unidentified: () => [] });
    put();
    for (let step = 0; step < 200 && outcomes.length === 0; step++) {
      const { to, requestId } = net.last();
      if (to === "n3") net.answer("n3", { v: 1, kind: "client-response", requestId, error: { code: "not-leader", message: "no leader" } });
      else net.refuse(to);
      clock.advance(100);
    }
    expect(outcomes).toHaveLength(1);
    const outcome = outcomes[0];
    if (outcome?.kind !== "failed") throw new Error("expected a failure");
    expect(outcome.error.code).toBe("no-quorum");
    expect(outcome.error.message).toMatch(/^2 of 3 nodes cannot be reached, so no majority \(2\) can commit or confirm anything: /);
    expect(outcome.error.message).toContain("n1: cannot reach n1: connect ECONNREFUSED");
    expect(outcome.error.message).toContain("n2: cannot reach n2: connect ECONNREFUSED");
    expect(outcome.error.message).toContain("n3 answers (not-leader)");
    expect(outcome.definite).toBe(false); // a write handed to a node may still apply
    expect(clock.monotonicMs()).toBeLessThanOrEqual(3_200);
  });

  it("counts listed nodes it never identified toward the cluster size and names them", () => {
    const { clock, net, outcomes, put } = setUp({
      nodes: ["n1"],
      noQuorumReportMs: 1_000,
      maxAttempts: 1_000,
      unidentified: () => [{ label: "ws://10.0.0.2:7001", reason: "handshake timeout" }],
    });
    put();
    // n1 answers without a leader: with one of two nodes unidentified no majority is reachable.
    for (let step = 0; step < 50 && outcomes.length === 0; step++) {
      net.answer("n1", { v: 1, kind: "client-response", requestId: net.last().requestId, error: { code: "not-leader", message: "no leader" } });
      clock.advance(100);
    }
    // n1 alone is reachable, 1 of 2: that is not a majority.
    expect(outcomes[0]).toMatchObject({ kind: "failed", error: { code: "no-quorum" } });
    expect(outcomes[0]?.kind === "failed" && outcomes[0].error.message).toContain("ws://10.0.0.2:7001: handshake timeout");
  });

  it("without noQuorumReportMs (the simulator's clients) it keeps retrying until maxAttempts, as before", () => {
    const { clock, net, outcomes, put } = setUp({ maxAttempts: 6 });
    put();
    for (let step = 0; step < 100 && outcomes.length === 0; step++) {
      net.refuse(net.last().to);
      clock.advance(500);
    }
    expect(outcomes[0]).toMatchObject({ kind: "failed", error: { code: "timeout" }, attempts: 6 });
  });
});
