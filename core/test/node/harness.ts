import { BlixardNode } from "../../src/node/blixard-node";
import { defaultNodeConfig, type NodeConfig } from "../../src/node/node-config";
import type { TimerHandle } from "../../src/ports/clock";
import type { NetEndpoint } from "../../src/ports/net";
import type { Runtime } from "../../src/ports/runtime";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import { decodeWire, encodeWire } from "../../src/protocol/wire";
import type { ClientOp } from "../../src/protocol/client-ops";
import type { WireError, WireMessage } from "../../src/protocol/wire-types";
import { SeededRandom } from "../raft/seeded-random";

/** Message latency in the harness world, in virtual ms. */
const LATENCY_MS = 1;
/** Events one `runFor` may process, at most: a runaway loop fails the test instead of hanging it. */
const EVENTS_MAX = 200_000;

interface Timer {
  readonly id: number;
  readonly atMs: number;
  readonly fire: () => void;
}

/**
 * A tiny deterministic world for node tests: one virtual clock, timers and
 * message deliveries in (time, id) order, in-memory disks, a fixed latency,
 * and per-link cuts. Just enough to drive real BlixardNodes end to end.
 */
export class NodeWorld {
  private nowMs = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private readonly handlers = new Map<string, (from: string, payload: Uint8Array) => void>();
  private readonly isolated = new Set<string>();
  readonly nodes = new Map<string, BlixardNode>();
  readonly disks = new Map<string, MemoryDisk>();

  /**
   * `groupCommit`: the clock offers runSoon, run after every event already
   * due at the current instant (like setImmediate after one poll phase).
   */
  constructor(
    private readonly seed = 7,
    private readonly options: { readonly groupCommit?: boolean } = {},
  ) {}

  get timeMs(): number {
    return this.nowMs;
  }

  addNode(id: string, bootstrapVoters: readonly string[], overrides: Partial<NodeConfig> = {}): BlixardNode {
    const disk = this.disks.get(id) ?? new MemoryDisk();
    this.disks.set(id, disk);
    const runtime: Runtime = {
      nodeId: id,
      clock: this.clockFor(),
      random: new SeededRandom(this.seed * 1000 + this.nodes.size + 1),
      net: this.endpoint(id),
      disk,
      spawner: { spawn: () => ({ processId: "none", stop: () => {}, kill: () => {}, fenceUntil: () => {} }) },
      tracer: { event: () => {}, warn: () => {} },
    };
    const node = new BlixardNode(runtime, { ...defaultNodeConfig(id, bootstrapVoters), electionTimeoutTicks: 10, tickIntervalMs: 10, ...overrides });
    this.nodes.set(id, node);
    const started = node.start();
    if (!started.ok && started.error.code !== "storage-corrupt") throw new Error(`start ${id}: ${started.error.message}`);
    return node;
  }

  /** Drop every message to and from `id` (both directions) until `heal`. */
  isolate(id: string): void {
    this.isolated.add(id);
  }

  heal(): void {
    this.isolated.clear();
  }

  endpoint(id: string): NetEndpoint {
    return {
      selfId: id,
      send: (to, payload) => {
        if (this.isolated.has(id) || this.isolated.has(to)) return;
        this.schedule(LATENCY_MS, () => this.handlers.get(to)?.(id, payload));
      },
      onReceive: (handler) => void this.handlers.set(id, handler),
    };
  }

  runFor(durationMs: number): void {
    const endMs = this.nowMs + durationMs;
    for (let events = 0; events < EVENTS_MAX; events++) {
      const next = this.timers[0];
      if (next === undefined || next.atMs > endMs) {
        this.nowMs = endMs;
        return;
      }
      this.timers.shift();
      this.nowMs = next.atMs;
      next.fire();
    }
    throw new Error(`more than ${EVENTS_MAX} events in ${durationMs} ms`);
  }

  leader(): BlixardNode | undefined {
    return [...this.nodes.values()].find((n) => n.isLeader());
  }

  /** Run until one node leads (at most `withinMs`). */
  electLeader(withinMs = 5_000): BlixardNode {
    for (let waited = 0; waited < withinMs; waited += 50) {
      this.runFor(50);
      const leader = this.leader();
      if (leader !== undefined) return leader;
    }
    throw new Error(`no leader within ${withinMs} ms`);
  }

  private clockFor() {
    return {
      monotonicMs: () => this.nowMs,
      wallClockMs: () => 1_700_000_000_000 + this.nowMs,
      setTimer: (delayMs: number, fire: () => void): TimerHandle => ({ timerId: this.schedule(delayMs, fire) }),
      cancelTimer: (handle: TimerHandle) => {
        this.timers = this.timers.filter((t) => t.id !== handle.timerId);
      },
      ...(this.options.groupCommit === true ? { runSoon: (fire: () => void) => void this.schedule(0, fire) } : {}),
    };
  }

  private schedule(delayMs: number, fire: () => void): number {
    const timer = { id: this.nextId++, atMs: this.nowMs + Math.max(0, delayMs), fire };
    const at = this.timers.findIndex((t) => t.atMs > timer.atMs);
    if (at < 0) this.timers.push(timer);
    else this.timers.splice(at, 0, timer);
    return timer.id;
  }
}

export type Answer = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: WireError };

/** A raw client endpoint: sends one request to one node and collects its answer. */
export class TestClient {
  private readonly answers = new Map<string, Answer>();
  private readonly net: NetEndpoint;
  private nextRequest = 1;
  private nextSeq = 1;

  constructor(
    private readonly world: NodeWorld,
    readonly clientId = "client-1",
  ) {
    this.net = world.endpoint(clientId);
    this.net.onReceive((from, payload) => {
      const decoded = decodeWire(payload, from);
      if (!decoded.ok || decoded.value.kind !== "client-response") return;
      const response = decoded.value;
      this.answers.set(response.requestId, "result" in response ? { ok: true, result: response.result } : { ok: false, error: response.error });
    });
  }

  /** Send `op` to `nodeId` without running the world; returns the request id to `waitFor`. */
  send(nodeId: string, op: ClientOp, options: { write?: boolean } = {}): string {
    const requestId = `${this.clientId}/${this.nextRequest++}`;
    const message: WireMessage = {
      v: 1,
      kind: "client-request",
      requestId,
      clientId: this.clientId,
      ...(options.write === true ? { seq: this.nextSeq++ } : {}),
      op,
    };
    this.net.send(nodeId, encodeWire(message));
    return requestId;
  }

  /** Run the world until `requestId` is answered (at most `withinMs`). */
  waitFor(requestId: string, withinMs = 5_000): Answer {
    for (let waited = 0; waited < withinMs; waited += 5) {
      const answer = this.answers.get(requestId);
      if (answer !== undefined) return answer;
      this.world.runFor(5);
    }
    throw new Error(`no answer to ${requestId} within ${withinMs} ms`);
  }

  ask(nodeId: string, op: ClientOp, options: { write?: boolean; withinMs?: number } = {}): Answer {
    return this.waitFor(this.send(nodeId, op, options), options.withinMs);
  }
}
