/**
 * Simulation — the seeded virtual world every Blixard run happens in.
 *
 * ```ts
 * const sim = new Simulation({ seed: 42 });
 * const n1 = sim.addNode("n1", (runtime) => buildNode(runtime)); // runtime: core Runtime
 * sim.addClient("c1", (rt) => buildClient(rt));                  // rt: ClientRuntime
 * sim.addInvariant("single-leader", () => violationOrNull);      // after EVERY event
 * sim.addEndCheck("converged", () => violationOrNull);           // runner calls at the end
 * sim.schedule(usFromMs(500), "workload.put", () => ...);        // world event
 * sim.network.links.partition([["n1"], ["n2", "n3"]]);           // any shape; heal()
 * sim.crash("n2", { tornWrites: true }); sim.restart("n2");      // restart = boot again over the same disk
 * sim.runUntil(usFromSeconds(10));
 * sim.failure;            // null, or { kind, name, description, atUs, traceTail }
 * sim.trace.digestHex();  // 64-bit hash over every trace record
 * ```
 *
 * Model, in one place:
 * - Time: integer virtual µs; one queue ordered by (time, seq); one event at a time.
 * - Randomness: `sim.streams` derives independent named streams from the seed
 *   (hash of seed and name). Runtime.random is "node/<id>/random".
 * - Nodes: crash = software gone at once (timers and process events of that
 *   incarnation never fire, VM processes die, unsynced disk writes lost, torn
 *   if asked); restart = `boot` again with a fresh Runtime over the same disk,
 *   and a fresh monotonic origin (a host reboot). pause/resume stalls a node:
 *   its events are held and run in order on resume.
 * - Network: see SimNetwork (checked at send and at delivery).
 * - Clocks: per node drift (ppm, within `clockConfig.maxDriftPpm` unless a
 *   test sets more on purpose) and wall-clock jumps; see NodeClockModel.
 * - Disk: see SimDisk. Processes: see ProcessTable (`aliveProcesses()`).
 * - Any exception thrown by simulated software fails the run ("exception");
 *   core's InvariantViolation fails it as "safety".
 */
import type { Runtime, Tracer } from "@blixard/core";
import { DEFAULT_CLOCK_CONFIG, NodeClockModel, type ClockConfig } from "./clock/clock-model";
import { SimClock, type ClockHost } from "./clock/sim-clock";
import { virtualForLocalUs } from "./clock/drift";
import { DEFAULT_DISK_CONFIG, SimDisk, type DiskConfig } from "./disk/sim-disk";
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from "./net/net-config";
import { SimNetwork } from "./net/network";
import { DEFAULT_PROCESS_CONFIG, validateProcessConfig, type ProcessConfig } from "./process/process-config";
import { ProcessTable, type ProcessInfo } from "./process/process-table";
import { RandomStreams, type SimRandom } from "./random/streams";
import { renderFields, Trace, type TraceOptions } from "./trace/trace";
import { DEFAULT_EVENT_LOOP_LIMITS, EventLoop, type EventLoopLimits } from "./world/event-loop";
import type { QueuedEvent } from "./world/event-queue";
import type { Check, SimFailure } from "./world/failure";
import { MAX_DEFERRED_EVENTS_PER_NODE, type NodeRecord } from "./world/node-record";
import type { BootFn, ClientRuntime, ClientStartFn, NodeStatus } from "./world/runtime-types";
import type { VirtualUs } from "./world/time";

export interface SimulationOptions {
  readonly seed: number;
  readonly network?: Partial<NetworkConfig>;
  readonly clock?: Partial<ClockConfig>;
  readonly disk?: Partial<DiskConfig>;
  readonly process?: Partial<ProcessConfig>;
  readonly trace?: TraceOptions;
  readonly limits?: Partial<EventLoopLimits>;
}

export interface AddNodeOptions {
  /** Fixed drift for this node; drawn within ±maxDriftPpm when omitted. May exceed the bound on purpose. */
  readonly driftPpm?: number;
}

export interface EventHandle {
  cancel(): void;
}

export type SimPhase = "faults" | "quiet";

export class Simulation {
  readonly seed: number;
  readonly streams: RandomStreams;
  readonly trace: Trace;
  readonly network: SimNetwork;
  readonly processes: ProcessTable;
  readonly clockConfig: ClockConfig;
  private readonly diskConfig: DiskConfig;
  private readonly loop: EventLoop;
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly clients = new Map<string, { instance: unknown; clock: NodeClockModel }>();
  private readonly lazyStreams = new Map<string, SimRandom>();
  /** Each sender's network stream by endpoint id (looked up on every message: no name to build). */
  private readonly senderStreams = new Map<string, SimRandom>();
  private readonly endChecks: { name: string; check: Check }[] = [];
  private phaseValue: SimPhase = "faults";

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.streams = new RandomStreams(options.seed);
    this.trace = new Trace(options.trace);
    this.clockConfig = { ...DEFAULT_CLOCK_CONFIG, ...options.clock };
    this.diskConfig = { ...DEFAULT_DISK_CONFIG, ...options.disk };
    this.processes = new ProcessTable(validateProcessConfig({ ...DEFAULT_PROCESS_CONFIG, ...options.process }));
    this.loop = new EventLoop(this.trace, { ...DEFAULT_EVENT_LOOP_LIMITS, ...options.limits }, (event) => this.gate(event));
    this.network = new SimNetwork(
      {
        nowUs: () => this.loop.nowUs(),
        scheduleDelivery: (atUs, to, detail, deliver) => void this.loop.push(atUs, "deliver", to, -1, detail, deliver),
        isUp: (id) => this.clients.has(id) || this.nodes.get(id)?.up === true,
        trace: (node, kind, detail) => this.trace.record(this.loop.nowUs(), node, kind, detail),
        senderRandom: (id) => this.senderStreams.get(id) ?? this.newSenderStream(id),
        byzantineRandom: (id) => this.sharedStream(`byzantine/${id}`),
      },
      { ...DEFAULT_NETWORK_CONFIG, ...options.network },
    );
  }

  // ---- time and events -------------------------------------------------

  nowUs(): VirtualUs {
    return this.loop.nowUs();
  }

  get eventsProcessed(): number {
    return this.loop.eventsProcessed;
  }

  get failure(): SimFailure | null {
    return this.loop.failure;
  }

  get phase(): SimPhase {
    return this.phaseValue;
  }

  /** Marks the start of the quiet (liveness) phase; traced. */
  enterQuietPhase(): void {
    this.phaseValue = "quiet";
    this.traceWorld("phase.quiet", "");
  }

  /** A world event `delayUs` from now (workload steps, nemesis actions). */
  schedule(delayUs: VirtualUs, label: string, fire: () => void): EventHandle {
    return this.scheduleAt(this.loop.nowUs() + delayUs, label, fire);
  }

  scheduleAt(atUs: VirtualUs, label: string, fire: () => void): EventHandle {
    return this.loop.push(atUs, label, null, -1, "", fire);
  }

  runUntil(atUs: VirtualUs): boolean {
    return this.loop.runUntil(atUs);
  }

  runFor(durationUs: VirtualUs): boolean {
    return this.loop.runUntil(this.loop.nowUs() + durationUs);
  }

  addInvariant(name: string, check: Check): void {
    this.loop.addInvariant(name, check);
  }

  addEndCheck(name: string, check: Check): void {
    this.endChecks.push({ name, check });
  }

  /** Run the end-of-run checks; the first violation fails the run as "liveness". */
  runEndChecks(): boolean {
    for (const { name, check } of this.endChecks) {
      if (this.failure !== null) return false;
      const violation = check();
      if (violation !== null) this.loop.fail("liveness", name, violation, "world");
    }
    return this.failure === null;
  }

  /** Fail the run from outside an invariant (e.g. a scenario's own detector). */
  fail(kind: SimFailure["kind"], name: string, description: string): void {
    this.loop.fail(kind, name, description);
  }

  traceWorld(kind: string, detail: string): void {
    this.trace.record(this.loop.nowUs(), "world", kind, detail);
  }

  // ---- nodes -----------------------------------------------------------

  addNode<T>(nodeId: string, boot: BootFn<T>, options: AddNodeOptions = {}): void {
    this.checkNewId(nodeId);
    const clockRandom = this.streams.stream(`clock/${nodeId}`);
    const disk = new SimDisk(nodeId, this.diskConfig);
    disk.setTrace((kind, detail) => this.trace.record(this.loop.nowUs(), nodeId, kind, detail));
    const record: NodeRecord = {
      nodeId, boot: boot as BootFn<unknown>, incarnation: 0, up: false, paused: false, deferred: [], instance: undefined,
      clock: this.newClockModel(nodeId, clockRandom, options.driftPpm),
      disk, random: this.streams.stream(`node/${nodeId}/random`), clockRandom,
      diskRandom: this.streams.stream(`disk/${nodeId}`), processRandom: this.streams.stream(`process/${nodeId}`),
      crashes: 0, restarts: 0,
    };
    this.nodes.set(nodeId, record);
    this.network.register(nodeId);
    this.traceWorld("node.add", `node=${nodeId} drift=${record.clock.driftPpm}ppm`);
    this.bootNode(record);
  }

  nodeIds(): string[] {
    return [...this.nodes.keys()].sort();
  }

  status(nodeId: string): NodeStatus {
    const record = this.record(nodeId);
    return !record.up ? "down" : record.paused ? "paused" : "up";
  }

  /** The node's current software instance (what `boot` returned), or undefined while down. */
  instance<T>(nodeId: string): T | undefined {
    return this.record(nodeId).instance as T | undefined;
  }

  incarnation(nodeId: string): number {
    return this.record(nodeId).incarnation;
  }

  disk(nodeId: string): SimDisk {
    return this.record(nodeId).disk;
  }

  clock(nodeId: string): NodeClockModel {
    const client = this.clients.get(nodeId);
    return client !== undefined ? client.clock : this.record(nodeId).clock;
  }

  /** The node's disk-fault stream (torn lengths, bit positions), for the nemesis. */
  diskRandom(nodeId: string): SimRandom {
    return this.record(nodeId).diskRandom;
  }

  crash(nodeId: string, options: { tornWrites?: boolean } = {}): void {
    const record = this.record(nodeId);
    if (!record.up) return;
    record.incarnation++;
    record.up = false;
    record.paused = false;
    record.deferred = [];
    record.instance = undefined;
    record.crashes++;
    this.network.detach(nodeId);
    const trace = (kind: string, detail: string): void => this.trace.record(this.loop.nowUs(), nodeId, kind, detail);
    trace("node.crash", `torn=${options.tornWrites === true}`);
    this.processes.killAllOn(nodeId, trace);
    record.disk.crash(options.tornWrites === true, record.diskRandom);
  }

  restart(nodeId: string): void {
    const record = this.record(nodeId);
    if (record.up) return;
    record.restarts++;
    record.clock.reboot(this.loop.nowUs(), record.clockRandom.nextInt(1_000_000, 1_000_000_000));
    this.bootNode(record);
  }

  /**
   * Power the node off (a crash, if it is up) and erase its disk: what an
   * operator does before re-adding a node whose storage is corrupt. The node
   * stays down until `restart`.
   */
  wipeDisk(nodeId: string): void {
    const record = this.record(nodeId);
    this.crash(nodeId);
    record.disk.wipe();
    this.traceWorld("node.wipe-disk", `node=${nodeId}`);
  }

  pause(nodeId: string): void {
    const record = this.record(nodeId);
    if (!record.up || record.paused) return;
    record.paused = true;
    this.traceWorld("node.pause", `node=${nodeId}`);
  }

  resume(nodeId: string): void {
    const record = this.record(nodeId);
    if (!record.paused) return;
    record.paused = false;
    const held = record.deferred;
    record.deferred = [];
    this.traceWorld("node.resume", `node=${nodeId} held=${held.length}`);
    for (const event of held) this.loop.requeue(event);
  }

  crashCounts(): { crashes: number; restarts: number } {
    let crashes = 0;
    let restarts = 0;
    for (const record of this.nodes.values()) {
      crashes += record.crashes;
      restarts += record.restarts;
    }
    return { crashes, restarts };
  }

  aliveProcesses(): ProcessInfo[] {
    return this.processes.alive();
  }

  // ---- clients -----------------------------------------------------------

  addClient<T>(clientId: string, start: ClientStartFn<T>): T {
    this.checkNewId(clientId);
    const clock = this.newClockModel(clientId, this.streams.stream(`clock/${clientId}`), undefined);
    this.network.register(clientId);
    const alive = (): boolean => true;
    const runtime: ClientRuntime = {
      clientId,
      clock: new SimClock(clock, this.clockHost(clientId, -1)),
      random: this.streams.stream(`client/${clientId}/random`),
      net: this.network.endpoint(clientId, alive),
      tracer: this.tracerFor(clientId),
    };
    const instance = start(runtime);
    this.clients.set(clientId, { instance, clock });
    return instance;
  }

  clientIds(): string[] {
    return [...this.clients.keys()].sort();
  }

  // ---- internals ---------------------------------------------------------

  private bootNode(record: NodeRecord): void {
    record.incarnation++;
    record.up = true;
    const incarnation = record.incarnation;
    const nodeId = record.nodeId;
    const isAlive = (): boolean => record.up && record.incarnation === incarnation;
    const clockHost = this.clockHost(nodeId, incarnation);
    const runtime: Runtime = {
      nodeId,
      clock: new SimClock(record.clock, clockHost),
      random: record.random,
      net: this.network.endpoint(nodeId, isAlive),
      disk: record.disk.port(isAlive),
      spawner: this.processes.spawner(
        nodeId,
        {
          nowUs: () => this.loop.nowUs(),
          scheduleNodeEvent: (atUs, label, fire) => void clockHost.scheduleNodeEvent(atUs, label, fire),
          scheduleWorldEvent: (atUs, label, fire) => void this.loop.push(atUs, label, null, -1, "", fire),
          monotonicUs: () => record.clock.monotonicUs(this.loop.nowUs()),
          virtualForLocalUs: (localUs) => virtualForLocalUs(localUs, record.clock.driftPpm),
          trace: (kind, detail) => this.trace.record(this.loop.nowUs(), nodeId, kind, detail),
        },
        record.processRandom,
      ),
      tracer: this.tracerFor(nodeId),
    };
    this.trace.record(this.loop.nowUs(), nodeId, "node.boot", `incarnation=${incarnation}`);
    try {
      record.instance = record.boot(runtime);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.loop.fail("exception", "boot-threw", `booting ${nodeId} threw ${message}`, nodeId, error instanceof Error ? error.stack : undefined);
    }
  }

  private clockHost(id: string, incarnation: number): ClockHost {
    return {
      nowUs: () => this.loop.nowUs(),
      scheduleNodeEvent: (atUs, label, fire) => this.loop.push(atUs, label, id, incarnation, "", fire),
    };
  }

  private gate(event: QueuedEvent): "run" | "skip" | "held" {
    if (event.nodeId === null) return "run";
    const record = this.nodes.get(event.nodeId);
    if (record === undefined) return "run"; // client events
    if (event.incarnation !== -1 && event.incarnation !== record.incarnation) return "skip";
    if (!record.paused) return "run";
    if (record.deferred.length >= MAX_DEFERRED_EVENTS_PER_NODE) {
      this.loop.fail("budget", "paused-node-backlog", `node ${record.nodeId} held ${MAX_DEFERRED_EVENTS_PER_NODE} events while paused`);
      return "skip";
    }
    record.deferred.push(event);
    return "held";
  }

  private tracerFor(id: string): Tracer {
    return {
      event: (kind, fields) => this.trace.record(this.loop.nowUs(), id, `ev.${kind}`, renderFields(fields)),
      warn: (kind, fields) => this.trace.record(this.loop.nowUs(), id, `warn.${kind}`, renderFields(fields)),
    };
  }

  private newClockModel(id: string, random: SimRandom, driftPpm: number | undefined): NodeClockModel {
    const max = this.clockConfig.maxDriftPpm;
    const drift = driftPpm ?? random.nextInt(-max, max);
    const skewUs = random.nextInt(-this.clockConfig.wallSkewMsMax * 1000, this.clockConfig.wallSkewMsMax * 1000);
    const bootOffsetUs = random.nextInt(1_000_000, 1_000_000_000);
    return new NodeClockModel(id, this.loop.nowUs(), drift, bootOffsetUs, this.clockConfig.wallEpochMs * 1000 + this.loop.nowUs() + skewUs);
  }

  /** A stream created on first use and kept for the run (per-endpoint net and Byzantine draws). */
  private newSenderStream(id: string): SimRandom {
    const random = this.sharedStream(`net/${id}`);
    this.senderStreams.set(id, random);
    return random;
  }

  private sharedStream(name: string): SimRandom {
    let random = this.lazyStreams.get(name);
    if (random === undefined) {
      random = this.streams.stream(name);
      this.lazyStreams.set(name, random);
    }
    return random;
  }

  private record(nodeId: string): NodeRecord {
    const record = this.nodes.get(nodeId);
    if (record === undefined) throw new Error(`unknown node "${nodeId}"; known: ${this.nodeIds().join(", ") || "none"}`);
    return record;
  }

  private checkNewId(id: string): void {
    if (typeof id !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
      throw new Error(`endpoint id must be 1..64 chars of [A-Za-z0-9_.-], got ${JSON.stringify(id)}`);
    }
    if (this.nodes.has(id) || this.clients.has(id)) throw new Error(`endpoint "${id}" already exists in this simulation`);
  }
}
