import type { Simulation, EventHandle } from "../simulation";
import type { SimRandom } from "../random/streams";
import { DEFAULT_PROCESS_CONFIG } from "../process/process-config";
import { FAULT_CLASSES, type FaultClass } from "./fault-classes";
import type { SwarmParams } from "./swarm";
import { networkFault } from "./network-faults";

export type FaultCounts = Record<FaultClass, number>;

const MS = 1_000;

/**
 * Injects faults during the faults phase, each class on its own seeded stream
 * ("nemesis/<class>") and its own schedule, so enabling one class never
 * reshuffles another's choices. `heal()` ends the faults phase: partitions
 * healed, spikes removed, paused nodes resumed, crashed nodes restarted, wall
 * clocks resynced, Byzantine marks cleared, VM processes well-behaved again.
 *
 * Bounds (the fault "atlas"): at most `maxDownNodes` down at once; bit rot only
 * on a minority of nodes over the whole run, so a majority always keeps intact
 * storage — faults the system claims to survive, no more.
 */
export class Nemesis {
  readonly counts: FaultCounts = Object.fromEntries(FAULT_CLASSES.map((c) => [c, 0])) as FaultCounts;
  private active = false;
  private readonly handles = new Set<EventHandle>();
  private readonly randoms = new Map<FaultClass, SimRandom>();
  private readonly rottedNodes = new Set<string>();
  private networkBusy = false;
  private processBaseline = { bootFailures: 0, crashes: 0 };

  constructor(
    private readonly sim: Simulation,
    private readonly classes: readonly FaultClass[],
    private readonly swarm: SwarmParams,
  ) {
    for (const c of classes) this.randoms.set(c, sim.streams.stream(`nemesis/${c}`));
  }

  start(): void {
    this.active = true;
    this.sim.network.setConfig(this.swarm.baselineNetwork);
    if (this.classes.includes("byzantine")) this.markByzantine(this.random("byzantine"));
    if (this.classes.includes("process")) {
      this.sim.processes.setConfig(this.swarm.faultyProcess);
      const stats = this.sim.processes.stats;
      this.processBaseline = { bootFailures: stats.bootFailures, crashes: stats.crashes };
    }
    for (const c of this.classes) {
      const mean = this.swarm.meanIntervalUs[c];
      if (mean !== undefined) this.scheduleNext(c, mean);
    }
  }

  /** End of the faults phase: stop injecting and restore a healthy world. */
  heal(): void {
    if (this.classes.includes("process")) this.countProcessFaults();
    this.active = false;
    for (const handle of this.handles) handle.cancel();
    this.handles.clear();
    const sim = this.sim;
    sim.network.links.heal();
    sim.network.setConfig({ ...this.swarm.baselineNetwork, lossProbability: 0, duplicateProbability: 0 });
    sim.network.clearByzantine();
    sim.processes.setConfig({ ...DEFAULT_PROCESS_CONFIG });
    for (const id of sim.nodeIds()) {
      if (sim.status(id) === "paused") sim.resume(id);
      if (sim.status(id) === "down") sim.restart(id);
      sim.clock(id).undoWallJumps();
    }
    for (const id of sim.clientIds()) sim.clock(id).undoWallJumps();
    sim.traceWorld("nemesis.heal", FAULT_CLASSES.map((c) => `${c}=${this.counts[c]}`).join(" "));
  }

  /** Run `fire` after `delayUs` unless the nemesis has healed by then. */
  later(delayUs: number, label: string, fire: () => void): void {
    const handle = this.sim.schedule(delayUs, label, () => {
      this.handles.delete(handle);
      if (this.active) fire();
    });
    this.handles.add(handle);
  }

  count(c: FaultClass, label: string, detail: string): void {
    this.counts[c]++;
    this.sim.traceWorld(`nemesis.${c}.${label}`, detail);
  }

  private random(c: FaultClass): SimRandom {
    return this.randoms.get(c)!;
  }

  private scheduleNext(c: FaultClass, meanUs: number): void {
    const random = this.random(c);
    this.later(random.nextInt(Math.floor(meanUs / 2), Math.floor((meanUs * 3) / 2)), `nemesis.${c}`, () => {
      this.act(c, random);
      this.scheduleNext(c, meanUs);
    });
  }

  private act(c: FaultClass, random: SimRandom): void {
    switch (c) {
      case "network":
        if (!this.networkBusy) {
          this.networkBusy = true;
          networkFault(this, this.sim, this.swarm, random, () => (this.networkBusy = false));
        }
        return;
      case "crash":
        return this.crashFault(random);
      case "disk":
        return this.diskFault(random);
      case "clock":
        return this.clockFault(random);
      case "process":
        return this.processFault(random);
      case "byzantine":
        return this.markByzantine(random);
    }
  }

  private upNodes(): string[] {
    return this.sim.nodeIds().filter((id) => this.sim.status(id) === "up");
  }

  private downCount(): number {
    return this.sim.nodeIds().filter((id) => this.sim.status(id) !== "up").length;
  }

  private crashFault(random: SimRandom): void {
    const up = this.upNodes();
    const room = this.swarm.maxDownNodes - this.downCount();
    if (up.length === 0 || room <= 0) return;
    const allCrash = room >= up.length && random.chance(1, 4);
    const victims = allCrash ? up : [random.pick(up)];
    const stall = !allCrash && random.chance(1, 5);
    for (const id of victims) {
      if (stall) {
        this.sim.pause(id);
        this.count("crash", "pause", `node=${id}`);
        this.later(random.nextInt(50 * MS, 2_000 * MS), "nemesis.crash.resume", () => this.sim.resume(id));
        continue;
      }
      const torn = random.bernoulli(this.swarm.tornWriteProbability);
      this.sim.crash(id, { tornWrites: torn });
      this.count("crash", allCrash ? "crash-all" : "crash", `node=${id} torn=${torn}`);
      this.later(random.nextInt(200 * MS, 5_000 * MS), "nemesis.crash.restart", () => this.sim.restart(id));
    }
  }

  private diskFault(random: SimRandom): void {
    const minority = Math.max(0, Math.floor((this.sim.nodeIds().length - 1) / 2));
    const candidates = this.upNodes().filter((id) => this.rottedNodes.has(id) || this.rottedNodes.size < minority);
    if (candidates.length === 0 || this.downCount() >= this.swarm.maxDownNodes) return;
    // Power loss with a torn write, then rot while the host is off, then power back on.
    const id = random.pick(candidates);
    this.sim.crash(id, { tornWrites: true });
    this.count("disk", "torn-crash", `node=${id}`);
    const files = this.sim.disk(id).durableFiles();
    if (files.length > 0 && random.chance(3, 4)) {
      const file = random.pick(files);
      const bits = this.sim.disk(id).flipBits(file, random.nextInt(1, 3), this.sim.diskRandom(id));
      this.rottedNodes.add(id);
      this.count("disk", "bitflip", `node=${id} file=${file} bits=${bits.length}`);
    }
    this.later(random.nextInt(200 * MS, 3_000 * MS), "nemesis.disk.restart", () => this.sim.restart(id));
  }

  private clockFault(random: SimRandom): void {
    const id = random.pick(this.sim.nodeIds());
    const clock = this.sim.clock(id);
    if (random.chance(1, 2)) {
      const max = this.sim.clockConfig.maxDriftPpm;
      const drift = random.nextInt(-max, max);
      clock.setDrift(this.sim.nowUs(), drift);
      this.count("clock", "drift", `node=${id} drift=${drift}ppm`);
    } else {
      const magnitudeUs = random.nextInt(1_000 * MS, 600_000 * MS);
      const deltaUs = random.chance(1, 2) ? magnitudeUs : -magnitudeUs;
      clock.jumpWall(deltaUs);
      this.count("clock", "wall-jump", `node=${id} deltaUs=${deltaUs}`);
    }
  }

  private processFault(random: SimRandom): void {
    const alive = this.sim.aliveProcesses().filter((p) => p.phase === "booting" || p.phase === "running");
    if (alive.length === 0) return;
    const victim = random.pick(alive);
    if (this.sim.processes.injectCrash(victim.processId)) {
      this.processBaseline.crashes++; // counted here, not again from the stats delta
      this.count("process", "vm-crash", `pid=${victim.processId} vm=${victim.vmName}`);
    }
  }

  private countProcessFaults(): void {
    const stats = this.sim.processes.stats;
    this.counts.process += stats.bootFailures - this.processBaseline.bootFailures + (stats.crashes - this.processBaseline.crashes);
  }

  private markByzantine(random: SimRandom): void {
    const count = this.swarm.byzantineNodes;
    if (count === 0) return;
    this.sim.network.clearByzantine();
    for (const id of random.shuffle(this.sim.nodeIds()).slice(0, count)) {
      this.sim.network.markByzantine(id, this.swarm.byzantineBehaviour);
      this.count("byzantine", "mark", `node=${id}`);
    }
  }
}
