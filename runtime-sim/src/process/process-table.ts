import type { ProcessEvent, ProcessHandle, ProcessSpawner, ProcessSpec } from "@blixard/core";
import type { SimRandom } from "../random/streams";
import type { VirtualUs } from "../world/time";
import type { ProcessConfig, RangeUs } from "./process-config";

export type ProcessPhase = "spawning" | "booting" | "running" | "stopping";

/** A live VM process as the world sees it (for invariants like "no VM on two hosts"). */
export interface ProcessInfo {
  readonly nodeId: string;
  readonly processId: string;
  readonly vmName: string;
  readonly generation: number;
  readonly phase: ProcessPhase;
  readonly booted: boolean;
  readonly spawnedAtUs: VirtualUs;
}

interface LiveProcess {
  readonly nodeId: string;
  readonly processId: string;
  readonly vmName: string;
  readonly generation: number;
  phase: ProcessPhase;
  booted: boolean;
  readonly spawnedAtUs: VirtualUs;
  readonly emit: (event: ProcessEvent) => void;
  readonly host: ProcessHost;
  /** The fence (ProcessHandle.fenceUntil) on the host's monotonic clock, in µs; null: none set. */
  fenceLocalUs: number | null;
  /** Virtual time of the pending fence check; null: none pending. */
  fenceCheckAtUs: VirtualUs | null;
}

/** What the process model needs from the world, per node incarnation. */
export interface ProcessHost {
  nowUs(): VirtualUs;
  /** Schedule an event bound to the node incarnation that spawned the process. */
  scheduleNodeEvent(atUs: VirtualUs, label: string, fire: () => void): void;
  /** Schedule an event that runs even while the node is paused (the fence's watchdog is not node software). */
  scheduleWorldEvent(atUs: VirtualUs, label: string, fire: () => void): void;
  /** The host's monotonic clock now, in µs (drifts like the node's). */
  monotonicUs(): number;
  /** Virtual µs until the host's monotonic clock has advanced by `localUs`, at its current drift. */
  virtualForLocalUs(localUs: number): VirtualUs;
  trace(kind: string, detail: string): void;
}

export interface ProcessStats {
  spawned: number;
  booted: number;
  bootFailures: number;
  crashes: number;
  stopped: number;
  killed: number;
  diedWithHost: number;
}

/**
 * All simulated VM processes of the run. Each host's spawner is a view on it.
 * Lifecycle: spawn → (spawn delay) started → "booting <vm>" → (boot delay)
 * booted + "<vm> ready" → runs until stop (exit 0), kill (SIGKILL), a random
 * crash (exit 137) or its host crashing (no events: the host is gone).
 *
 * A fence (ProcessHandle.fenceUntil) is kept by a watchdog outside the node's
 * software: it kills the process at the fence on the host's monotonic clock
 * even while the node is paused; the node hears of the exit when it runs.
 */
export class ProcessTable {
  private readonly live = new Map<string, LiveProcess>();
  private readonly counters = new Map<string, number>();
  readonly stats: ProcessStats = { spawned: 0, booted: 0, bootFailures: 0, crashes: 0, stopped: 0, killed: 0, diedWithHost: 0 };
  private config: ProcessConfig;
  private changes = 0;

  /** Bumped whenever a process appears, changes phase or dies: lets checkers skip unchanged states. */
  get version(): number {
    return this.changes;
  }

  constructor(config: ProcessConfig) {
    this.config = config;
  }

  setConfig(config: ProcessConfig): void {
    this.config = config;
  }

  get currentConfig(): ProcessConfig {
    return this.config;
  }

  /** Live processes, sorted by node then process id. */
  alive(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const p of this.live.values()) {
      out.push({ nodeId: p.nodeId, processId: p.processId, vmName: p.vmName, generation: p.generation, phase: p.phase, booted: p.booted, spawnedAtUs: p.spawnedAtUs });
    }
    return out.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.processId < b.processId ? -1 : 1));
  }

  /** Nemesis: the VM process crashes now (guest fault); its host sees output and exit 137. */
  injectCrash(processId: string): boolean {
    const p = this.live.get(processId);
    if (p === undefined || p.phase === "spawning") return false;
    this.stats.crashes++;
    p.emit({ kind: "output", processId, line: `${p.vmName} crashed: injected fault` });
    this.exit(p, p.host, 137, null);
    return true;
  }

  /** A host crashed: its processes die with it, silently. */
  killAllOn(nodeId: string, trace: (kind: string, detail: string) => void): number {
    let count = 0;
    for (const [id, p] of [...this.live]) {
      if (p.nodeId !== nodeId) continue;
      this.live.delete(id);
      this.changes++;
      count++;
      trace("process.died-with-host", `pid=${id} vm=${p.vmName} gen=${p.generation}`);
    }
    this.stats.diedWithHost += count;
    return count;
  }

  /** The ProcessSpawner port for one host incarnation. */
  spawner(nodeId: string, host: ProcessHost, random: SimRandom): ProcessSpawner {
    return { spawn: (spec, onEvent) => this.spawn(nodeId, host, random, spec, onEvent) };
  }

  private spawn(nodeId: string, host: ProcessHost, random: SimRandom, spec: ProcessSpec, onEvent: (e: ProcessEvent) => void): ProcessHandle {
    const n = (this.counters.get(nodeId) ?? 0) + 1;
    this.counters.set(nodeId, n);
    const processId = `${nodeId}/p${n}`;
    const problem = specProblem(spec) ?? this.capacityProblem(nodeId);
    const at = (range: RangeUs): VirtualUs => host.nowUs() + random.nextInt(range.minUs, range.maxUs);
    if (problem !== null) {
      host.trace("process.spawn-failed", `pid=${processId} ${problem}`);
      host.scheduleNodeEvent(at(this.config.spawnDelay), "process.spawn-failed", () => onEvent({ kind: "spawn-failed", processId, reason: problem }));
      return { processId, stop: () => {}, kill: () => {}, fenceUntil: () => {} };
    }
    const p: LiveProcess = {
      nodeId, processId, vmName: spec.vmName, generation: spec.generation, phase: "spawning", booted: false,
      spawnedAtUs: host.nowUs(),
      emit: (event) => onEvent(event),
      host,
      fenceLocalUs: null,
      fenceCheckAtUs: null,
    };
    this.live.set(processId, p);
    this.changes++;
    this.stats.spawned++;
    host.trace("process.spawn", `pid=${processId} vm=${spec.vmName} gen=${spec.generation} backend=${spec.launch.backend}`);
    host.scheduleNodeEvent(at(this.config.spawnDelay), "process.started", () => this.started(p, host, random, at));
    return {
      processId,
      stop: () => this.stop(p, host, at),
      kill: () => this.kill(p, host, at),
      fenceUntil: (monotonicMs) => this.fenceUntil(p, host, at, monotonicMs),
    };
  }

  private fenceUntil(p: LiveProcess, host: ProcessHost, at: (r: RangeUs) => VirtualUs, monotonicMs: number): void {
    if (!this.isLive(p)) return;
    const fenceLocalUs = Number.isFinite(monotonicMs) ? Math.floor(monotonicMs * 1000) : Number.NEGATIVE_INFINITY;
    const earlier = p.fenceLocalUs === null || fenceLocalUs < p.fenceLocalUs;
    p.fenceLocalUs = fenceLocalUs;
    // A later fence needs no new event: the pending check sees it and waits on.
    if (earlier || p.fenceCheckAtUs === null) this.armFence(p, host, at);
  }

  /** Check the fence at the virtual time the host's clock reaches it (drift may change meanwhile: checked again then). */
  private armFence(p: LiveProcess, host: ProcessHost, at: (r: RangeUs) => VirtualUs): void {
    const remainingUs = (p.fenceLocalUs ?? Number.POSITIVE_INFINITY) - host.monotonicUs();
    if (remainingUs <= 0) {
      p.fenceCheckAtUs = null;
      this.fenceKill(p, host, at);
      return;
    }
    const checkAtUs = host.nowUs() + host.virtualForLocalUs(remainingUs);
    p.fenceCheckAtUs = checkAtUs;
    host.scheduleWorldEvent(checkAtUs, "process.fence-check", () => {
      if (p.fenceCheckAtUs !== checkAtUs || !this.isLive(p)) return;
      this.armFence(p, host, at);
    });
  }

  private fenceKill(p: LiveProcess, host: ProcessHost, at: (r: RangeUs) => VirtualUs): void {
    host.trace("process.fence", `pid=${p.processId} vm=${p.vmName} gen=${p.generation}`);
    host.scheduleWorldEvent(at(this.config.killDelay), "process.fenced", () => {
      if (!this.isLive(p)) return;
      this.stats.killed++;
      this.exit(p, host, null, "SIGKILL", true);
    });
  }

  private started(p: LiveProcess, host: ProcessHost, random: SimRandom, at: (r: RangeUs) => VirtualUs): void {
    if (!this.isLive(p) || p.phase !== "spawning") return;
    p.phase = "booting";
    this.changes++;
    p.emit({ kind: "started", processId: p.processId });
    p.emit({ kind: "output", processId: p.processId, line: `booting ${p.vmName}` });
    const fails = random.bernoulli(this.config.bootFailureProbability);
    host.scheduleNodeEvent(at(this.config.bootDelay), fails ? "process.boot-failed" : "process.booted", () => {
      if (!this.isLive(p) || p.phase !== "booting") return;
      if (fails) {
        this.stats.bootFailures++;
        p.emit({ kind: "output", processId: p.processId, line: `${p.vmName} boot failed: kernel panic - not syncing: VFS: unable to mount root fs` });
        this.exit(p, host, 1, null);
        return;
      }
      p.phase = "running";
      this.changes++;
      p.booted = true;
      this.stats.booted++;
      p.emit({ kind: "booted", processId: p.processId });
      p.emit({ kind: "output", processId: p.processId, line: `${p.vmName} ready` });
      this.maybeScheduleCrash(p, host, random);
    });
  }

  private maybeScheduleCrash(p: LiveProcess, host: ProcessHost, random: SimRandom): void {
    const meanUs = this.config.crashMeanUs;
    if (meanUs <= 0) return;
    // Uniform on [0, 2·mean]: the right mean without Math.log (exact on every platform).
    host.scheduleNodeEvent(host.nowUs() + random.nextInt(0, 2 * meanUs), "process.crash", () => {
      if (!this.isLive(p) || p.phase !== "running" || this.config.crashMeanUs <= 0) return;
      this.stats.crashes++;
      p.emit({ kind: "output", processId: p.processId, line: `${p.vmName} crashed: guest triple fault` });
      this.exit(p, host, 137, null);
    });
  }

  private stop(p: LiveProcess, host: ProcessHost, at: (r: RangeUs) => VirtualUs): void {
    if (!this.isLive(p) || p.phase === "stopping") return;
    p.phase = "stopping";
    this.changes++;
    host.trace("process.stop", `pid=${p.processId}`);
    host.scheduleNodeEvent(at(this.config.shutdownDelay), "process.stopped", () => {
      if (!this.isLive(p)) return;
      this.stats.stopped++;
      this.exit(p, host, 0, null);
    });
  }

  private kill(p: LiveProcess, host: ProcessHost, at: (r: RangeUs) => VirtualUs): void {
    if (!this.isLive(p)) return;
    host.trace("process.kill", `pid=${p.processId}`);
    host.scheduleNodeEvent(at(this.config.killDelay), "process.killed", () => {
      if (!this.isLive(p)) return;
      this.stats.killed++;
      this.exit(p, host, null, "SIGKILL");
    });
  }

  /** The process is gone now. A fenced one died while its node may be paused: the node hears of it when it next runs. */
  private exit(p: LiveProcess, host: ProcessHost, exitCode: number | null, signal: string | null, fenced = false): void {
    this.live.delete(p.processId);
    this.changes++;
    if (!fenced) {
      host.trace("process.exit", `pid=${p.processId} code=${exitCode} signal=${signal}`);
      p.emit({ kind: "exited", processId: p.processId, exitCode, signal });
      return;
    }
    host.trace("process.exit", `pid=${p.processId} code=${exitCode} signal=${signal} fenced`);
    host.scheduleNodeEvent(host.nowUs(), "process.exit-seen", () => p.emit({ kind: "exited", processId: p.processId, exitCode, signal, fenced: true }));
  }

  private isLive(p: LiveProcess): boolean {
    return this.live.get(p.processId) === p;
  }

  private capacityProblem(nodeId: string): string | null {
    let count = 0;
    for (const p of this.live.values()) if (p.nodeId === nodeId) count++;
    return count >= this.config.maxProcessesPerNode ? `host ${nodeId} already runs ${count} processes (limit ${this.config.maxProcessesPerNode})` : null;
  }
}

function specProblem(spec: ProcessSpec): string | null {
  if (spec === null || typeof spec !== "object") return "spec must be an object";
  if (typeof spec.vmName !== "string" || spec.vmName.length === 0 || spec.vmName.length > 128) return "vmName must be a 1..128 char string";
  if (!Number.isSafeInteger(spec.generation) || spec.generation < 0) return `generation must be a non-negative integer, got ${String(spec.generation)}`;
  const launch = spec.launch;
  if (launch === null || typeof launch !== "object") return "launch spec missing";
  if (!Number.isSafeInteger(launch.vcpus) || launch.vcpus < 1) return `vcpus must be a positive integer, got ${String(launch.vcpus)}`;
  if (!Number.isSafeInteger(launch.memoryMib) || launch.memoryMib < 1) return `memoryMib must be a positive integer, got ${String(launch.memoryMib)}`;
  return null;
}
