import type { Result } from "../errors";
import type { LaunchSpec, ProcessEvent, ProcessHandle } from "../ports/spawner";
import type { Runtime } from "../ports/runtime";
import type { ClusterModule } from "../state/cluster/module";
import { clusterModuleName, type VmRecord, type VmStatus } from "../state/cluster/types";
import type { Entry } from "../raft/log-types";
import type { ApplyOutcome } from "../state/state-machine";
import { launchSpecFor } from "../vm/launch-spec";
import type { VmSpec } from "../vm/spec";
import { canonicalJson } from "../state/canonical-json";
import { effectiveClusterCommand } from "./cluster-entry";
import type { HostConfig } from "./controller-config";
import type { HostAgent, InternalProposer } from "./host-agent";
import { restartDecision } from "./restart-backoff";

/** A VM process this host started and has not seen exit. */
interface LocalProcess {
  readonly vmName: string;
  readonly generation: number;
  readonly handle: ProcessHandle;
  stopRequestedMonoMs: number | null;
  killed: boolean;
  /** Killed because the host lost its lease: not a failure, restart as soon as the lease returns. */
  fenced: boolean;
  /** The fence last handed to the spawner (ProcessHandle.fenceUntil): the lease end it was started or renewed under. */
  fencedUntilMonoMs: number;
  readonly output: string[];
  bootedMonoMs: number | null;
  /** The spec it was started with (or last found to launch the same), and what that launch was. */
  spec: VmSpec;
  readonly launchKey: string;
}

/** What this host knows of one placement (vm, generation), independent of the replicated state's view. */
interface Observed {
  readonly generation: number;
  status: VmStatus;
  detail: string | null;
  exitCode: number | null;
  failures: number;
  nextStartMonoMs: number;
  /** The restart policy gave up (or the VM cannot launch): no more starts for this generation. */
  terminal: boolean;
  lastReportMonoMs: number;
  lastReportedStatus: VmStatus | null;
  /**
   * The process exited on its own and that exit is not yet committed. The VM
   * may not restart until this host sees its own exit report applied: the
   * report may be what completes a pending migration or eviction (the VM then
   * starts elsewhere), and this host's view may not show that move yet.
   */
  exitUnacknowledged: boolean;
  /** `detail` holds the launch's latest progress line (a runner build), not yet reported. */
  progressUnreported: boolean;
  /** `detail` holds a progress line rather than an exit's output tail: cleared once the VM boots. */
  detailIsProgress: boolean;
}

/**
 * The host's reconciliation loop: every tick it compares what the replicated
 * state says should run here with the processes it has, starts and stops
 * through the spawner, applies restart policies with backoff, and reports
 * observed status back through Raft (re-sending until the state shows it).
 * It never starts a VM without a valid lease, and kills everything when the
 * lease lapses, so a cut-off host stops its VMs before the leader may place
 * them elsewhere.
 */
export class VmController {
  private readonly locals = new Map<string, LocalProcess>();
  private readonly observed = new Map<string, Observed>();
  /** VMs started here whose host-side state (the spawner's, see ProcessSpawner.discard) may still be kept. */
  private readonly keptHere = new Set<string>();
  private fencedNow = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly node: InternalProposer,
    private readonly agent: HostAgent,
    private readonly config: HostConfig,
  ) {}

  /** Processes this controller believes alive, for status output and tests. */
  localProcesses(): { vmName: string; generation: number; processId: string }[] {
    return [...this.locals.values()].map((p) => ({ vmName: p.vmName, generation: p.generation, processId: p.handle.processId }));
  }

  /** Kill everything (node shutdown or crash of the agent). */
  stopAll(): void {
    for (const local of this.locals.values()) this.kill(local, "host agent stopping");
  }

  tick(): void {
    const cluster = this.node.stateMachine.module(clusterModuleName) as ClusterModule | undefined;
    if (cluster === undefined) return;
    this.checkLease();
    this.killStale(cluster);
    const mine = cluster.vmsOnHost(this.config.hostId);
    for (const vm of mine) this.reconcile(vm);
    this.escalateStops();
    this.forgetUnplaced(new Set(mine.map((vm) => vm.spec.name)));
    this.discardGone(cluster);
  }

  private checkLease(): void {
    // The spawner enforces the lease too, so a VM stops in time even if this agent stalls past its lease end.
    const leaseEnd = this.agent.leaseEndMonoMs();
    for (const local of this.locals.values()) {
      if (leaseEnd > local.fencedUntilMonoMs) {
        local.fencedUntilMonoMs = leaseEnd;
        local.handle.fenceUntil(leaseEnd);
      }
    }
    const fenced = !this.agent.leaseValid();
    if (fenced && !this.fencedNow && this.locals.size > 0) {
      this.runtime.tracer.warn("host-fenced", { host: this.config.hostId, vms: this.locals.size });
    }
    this.fencedNow = fenced;
    if (!fenced) return;
    for (const local of this.locals.values()) {
      local.fenced = true;
      this.kill(local, "lease lapsed: no heartbeat committed within leaseMs");
    }
  }

  private killStale(cluster: ClusterModule): void {
    for (const local of this.locals.values()) {
      const placement = cluster.getVm(local.vmName)?.placement;
      if (placement?.hostId === this.config.hostId && placement.generation === local.generation) continue;
      this.kill(local, "no longer placed on this host");
    }
  }

  private reconcile(vm: VmRecord): void {
    const placement = vm.placement;
    if (placement === null) return;
    const name = vm.spec.name;
    const obs = this.observedFor(name, placement.generation, vm.status);
    const local = this.locals.get(name);
    const shouldRun = vm.desired === "running" && vm.move === null;
    const now = this.runtime.clock.monotonicMs();
    if (shouldRun) {
      if (local !== undefined && local.spec !== vm.spec && local.stopRequestedMonoMs === null) this.restartIfLaunchChanged(vm, local, obs);
      if (local === undefined && !this.fencedNow && !obs.terminal && !obs.exitUnacknowledged && now >= obs.nextStartMonoMs) this.start(vm, obs);
    } else if (local !== undefined) {
      this.requestStop(local, obs);
    } else {
      // Not wanted here and nothing running: say "stopped" (even after a failure) so the state can release the host.
      obs.status = "stopped";
    }
    this.maybeReport(vm, obs, !shouldRun && local === undefined);
  }

  private start(vm: VmRecord, obs: Observed): void {
    const name = vm.spec.name;
    const launch = this.launchFor(vm);
    if (!launch.ok) {
      Object.assign(obs, { status: "failed", terminal: true, detail: launch.error.message, exitCode: null });
      return;
    }
    const generation = obs.generation;
    const handle = this.runtime.spawner.spawn({ vmName: name, generation, launch: launch.value }, (event) => this.onEvent(name, generation, event));
    const leaseEnd = this.agent.leaseEndMonoMs();
    handle.fenceUntil(leaseEnd);
    const launchKey = canonicalJson(launch.value);
    this.locals.set(name, { vmName: name, generation, handle, stopRequestedMonoMs: null, killed: false, fenced: false, fencedUntilMonoMs: leaseEnd, output: [], bootedMonoMs: null, spec: vm.spec, launchKey });
    if (this.runtime.spawner.discard !== undefined) this.keptHere.add(name);
    obs.status = "starting";
    this.runtime.tracer.event("vm-start", { host: this.config.hostId, vm: name, generation, processId: handle.processId });
  }

  /** What this host launches for the VM now: what start() spawns, and what a changed spec is compared by. */
  private launchFor(vm: VmRecord): Result<LaunchSpec> {
    return launchSpecFor(vm.spec, this.config.backend, this.config.launchOptions);
  }

  /**
   * The VM's spec was updated (update-vm): if that changes what this host
   * launches, stop it; the next reconcile starts it with the new spec (for
   * microvm-nix, rebuilding its runner). A change that launches the same
   * (priority, restart policy...) leaves it running.
   */
  private restartIfLaunchChanged(vm: VmRecord, local: LocalProcess, obs: Observed): void {
    const launch = this.launchFor(vm);
    const key = launch.ok ? canonicalJson(launch.value) : `unlaunchable: ${launch.error.message}`;
    if (key === local.launchKey) {
      local.spec = vm.spec;
      return;
    }
    this.runtime.tracer.event("vm-spec-changed", { host: this.config.hostId, vm: local.vmName, generation: local.generation });
    this.requestStop(local, obs);
    obs.detail = "spec changed: restarting it with the new spec";
  }

  /** A VM deleted, or placed on another host, will not run here again: the spawner drops what it kept for it. */
  private discardGone(cluster: ClusterModule): void {
    for (const name of this.keptHere) {
      if (this.locals.has(name)) continue;
      const placement = cluster.getVm(name)?.placement;
      const gone = cluster.getVm(name) === undefined || (placement != null && placement.hostId !== this.config.hostId);
      if (!gone) continue;
      this.keptHere.delete(name);
      this.runtime.spawner.discard?.(name);
      this.runtime.tracer.event("vm-discard", { host: this.config.hostId, vm: name });
    }
  }

  private requestStop(local: LocalProcess, obs: Observed): void {
    if (local.stopRequestedMonoMs !== null) return;
    local.stopRequestedMonoMs = this.runtime.clock.monotonicMs();
    local.handle.stop();
    obs.status = "stopping";
    this.runtime.tracer.event("vm-stop", { host: this.config.hostId, vm: local.vmName, generation: local.generation });
  }

  private kill(local: LocalProcess, why: string): void {
    if (local.killed) return;
    local.killed = true;
    local.stopRequestedMonoMs ??= this.runtime.clock.monotonicMs();
    local.handle.kill();
    this.runtime.tracer.event("vm-kill", { host: this.config.hostId, vm: local.vmName, generation: local.generation, why });
  }

  private escalateStops(): void {
    const now = this.runtime.clock.monotonicMs();
    for (const local of this.locals.values()) {
      if (local.stopRequestedMonoMs !== null && !local.killed && now - local.stopRequestedMonoMs >= this.config.stopGraceMs) {
        this.kill(local, `did not stop within ${this.config.stopGraceMs} ms (stopGraceMs)`);
      }
    }
  }

  /** This host's own exit report committed: the state now reflects the exit (and any move it completed). */
  applied(outcome: ApplyOutcome, entry: Entry): void {
    // Only a report that took effect: an ignored one (stale, replayed) changed nothing in the state.
    const command = effectiveClusterCommand(outcome, entry);
    if (command?.type !== "report-vm-status" || command.hostId !== this.config.hostId) return;
    const obs = this.observed.get(command.vmName);
    if (obs === undefined || obs.generation !== command.generation || !obs.exitUnacknowledged) return;
    if (command.observed === "failed" || command.observed === "stopped") obs.exitUnacknowledged = false;
  }

  /** Bounded memory: observations of VMs no longer placed here (and not still exiting) are dropped. */
  private forgetUnplaced(placedHere: ReadonlySet<string>): void {
    for (const name of [...this.observed.keys()]) {
      if (!placedHere.has(name) && !this.locals.has(name)) this.observed.delete(name);
    }
  }

  private onEvent(vmName: string, generation: number, event: ProcessEvent): void {
    const local = this.locals.get(vmName);
    if (local === undefined || local.generation !== generation || local.handle.processId !== event.processId) return;
    const obs = this.observed.get(vmName);
    if (obs === undefined || obs.generation !== generation) return;
    switch (event.kind) {
      case "started":
        return;
      case "booted":
        local.bootedMonoMs = this.runtime.clock.monotonicMs();
        if (local.stopRequestedMonoMs === null) obs.status = "running";
        if (obs.detailIsProgress) Object.assign(obs, { detail: null, detailIsProgress: false, progressUnreported: false });
        return;
      case "progress":
        // What a slow start is doing (building the runner): shown in the VM's status while it is starting.
        if (local.stopRequestedMonoMs !== null || obs.status !== "starting") return;
        Object.assign(obs, { detail: event.message.slice(0, 512), detailIsProgress: true, progressUnreported: true });
        return;
      case "output":
        local.output.push(event.line.slice(0, 512));
        if (local.output.length > this.config.outputTailLines) local.output.shift();
        return;
      case "exited":
        // The spawner's fence stopped it while this agent could not (it was stalled past the lease end).
        if (event.fenced === true) {
          local.fenced = true;
          local.stopRequestedMonoMs ??= this.runtime.clock.monotonicMs();
        }
        return this.onExit(local, obs, event.exitCode, event.signal ?? null, null);
      case "spawn-failed":
        return this.onExit(local, obs, null, null, event.reason);
    }
  }

  private onExit(local: LocalProcess, obs: Observed, exitCode: number | null, signal: string | null, spawnError: string | null): void {
    this.locals.delete(local.vmName);
    const tail = [...local.output, ...(spawnError === null ? [] : [`spawn failed: ${spawnError}`])].join("\n");
    obs.exitCode = exitCode;
    obs.detail = tail.length > 0 ? tail : signal === null ? null : `killed by ${signal}`;
    obs.detailIsProgress = false;
    obs.progressUnreported = false;
    const expected = local.stopRequestedMonoMs !== null;
    if (expected) {
      obs.status = "stopped";
      if (local.fenced) obs.nextStartMonoMs = 0; // not a failure: start again once the lease is back
      return;
    }
    const vm = (this.node.stateMachine.module(clusterModuleName) as ClusterModule | undefined)?.getVm(local.vmName);
    const now = this.runtime.clock.monotonicMs();
    // A long healthy run earns a fresh start: backoff punishes crash loops, not one crash a day.
    if (local.bootedMonoMs !== null && now - local.bootedMonoMs >= this.config.backoffResetAfterMs) obs.failures = 0;
    obs.failures += 1;
    obs.exitUnacknowledged = true;
    const failed = spawnError !== null || exitCode !== 0;
    obs.status = failed ? "failed" : "stopped";
    const decision = restartDecision(vm?.spec.restartPolicy ?? { kind: "never" }, failed, obs.failures, this.config);
    obs.terminal = decision.kind === "give-up";
    if (decision.kind === "restart") obs.nextStartMonoMs = now + decision.delayMs;
    this.runtime.tracer.event("vm-exit", {
      host: this.config.hostId,
      vm: local.vmName,
      generation: local.generation,
      exitCode,
      failures: obs.failures,
      next: decision.kind === "restart" ? `restart in ${decision.delayMs} ms` : "no restart",
    });
  }

  private observedFor(name: string, generation: number, replicated: VmStatus): Observed {
    const known = this.observed.get(name);
    if (known !== undefined && known.generation === generation) return known;
    const fresh: Observed = {
      generation,
      status: replicated === "scheduled" || replicated === "pending" ? "scheduled" : "stopped",
      detail: null,
      exitCode: null,
      failures: 0,
      nextStartMonoMs: 0,
      terminal: false,
      lastReportMonoMs: Number.NEGATIVE_INFINITY,
      lastReportedStatus: null,
      exitUnacknowledged: false,
      progressUnreported: false,
      detailIsProgress: false,
    };
    this.observed.set(name, fresh);
    return fresh;
  }

  /** Report until the replicated state shows what this host sees; a lost report is simply sent again. */
  private maybeReport(vm: VmRecord, obs: Observed, releasable: boolean): void {
    if (this.fencedNow || obs.status === "scheduled") return;
    // An unacknowledged exit is re-reported even if the state already shows that status from an earlier exit,
    // and so is "stopped" while the state still holds a VM this host no longer runs (a move or a stop to finish):
    // only a report applied while the move is pending releases the host.
    // Progress of a starting VM is reported too, at most once per reportRetryMs.
    if (obs.status === vm.status && !obs.exitUnacknowledged && !releasable && !obs.progressUnreported) return;
    const now = this.runtime.clock.monotonicMs();
    if (obs.lastReportedStatus === obs.status && now - obs.lastReportMonoMs < this.config.reportRetryMs) return;
    obs.lastReportMonoMs = now;
    obs.lastReportedStatus = obs.status;
    obs.progressUnreported = false;
    this.node.proposeInternal(clusterModuleName, {
      type: "report-vm-status",
      hostId: this.config.hostId,
      vmName: vm.spec.name,
      generation: obs.generation,
      observed: obs.status,
      detail: obs.detail,
      exitCode: obs.exitCode,
      basedOnIndex: this.node.stateMachine.appliedIndex,
    });
  }
}
