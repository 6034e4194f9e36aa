import { execFile } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { LaunchSpec, MicrovmLaunch, ProcessEvent, Tracer } from "@blixard/core";
import type { ChildRecord } from "../../child-record";
import type { ChildLaunch } from "../../child-process-spawner";
import { ConsoleLog } from "../console-log";
import type { VmStateDir } from "../vm-state-dir";
import { runStep, type StepOptions, type StepResult } from "./child-step";
import { NixBuildLog } from "./nix-build-log";
import { readRunnerLayout, socketPath, type RunnerLayout } from "./runner-layout";

/** Bounds on the host-side steps around a microvm.nix runner. */
export interface MicrovmTimings {
  /** bin/tap-up, bin/tap-down and each bridge join must finish within this. */
  readonly hostStepTimeoutMs: number;
  /** bin/virtiofsd-run must have created every share's socket within this. */
  readonly virtiofsdReadyMs: number;
  /** bin/microvm-shutdown gets this long to stop the VM; then SIGTERM, then SIGKILL after the spawner's stopGraceMs. */
  readonly shutdownTimeoutMs: number;
  readonly consoleLogBytesMax: number;
  readonly buildLogBytesMax: number;
  /** Build progress reaches the VM's status at most this often. */
  readonly progressIntervalMs: number;
}

export const DEFAULT_MICROVM_TIMINGS: MicrovmTimings = {
  hostStepTimeoutMs: 30_000,
  virtiofsdReadyMs: 15_000,
  shutdownTimeoutMs: 20_000,
  consoleLogBytesMax: 16 * 1024 * 1024,
  buildLogBytesMax: 8 * 1024 * 1024,
  progressIntervalMs: 1_000,
};

export interface MicrovmNixVmInit {
  readonly processId: string;
  readonly launch: LaunchSpec;
  readonly stateDir: VmStateDir;
  readonly readyPattern: RegExp | undefined;
  readonly timings: MicrovmTimings;
  readonly nowMs: () => number;
  readonly tracer: Tracer;
  readonly startChild: (launch: ChildLaunch) => ChildRecord | string;
  readonly onEvent: (event: ProcessEvent) => void;
  readonly onDone: () => void;
  /** Waited for before anything else: the discard of an earlier VM of the same name, still deleting its directory. */
  readonly after?: Promise<void>;
}

type Outcome = { readonly kind: "exited"; readonly exitCode: number | null; readonly signal: string | null } | { readonly kind: "failed"; readonly reason: string };

const VIRTIOFSD_POLL_MS = 50;
const FAILURE_CHARS_MAX = 3_000;

/**
 * One microvm.nix VM on this host, as microvm.nix's own host units run it
 * (install-microvm, microvm-tap-interfaces@, microvm-virtiofsd@, microvm@),
 * in the VM's state directory:
 *
 *   make the runner: build the generated flake's declaredRunner into `current`
 *     (nix build --out-link current, the flakes feature on, bounded, its
 *     progress reported), or link a prebuilt runner there;
 *   `booted` → the runner; bin/tap-up, then each tap joins its bridge;
 *   bin/virtiofsd-run, until every share's socket exists;
 *   bin/microvm-run, its console to console.log and to output events.
 *
 * A stop runs bin/microvm-shutdown where the runner has one (bounded), then
 * SIGTERM, then SIGKILL; one before the VM runs ends the current step. Once
 * the VM is gone, virtiofsd is stopped, bin/tap-down deletes the taps and
 * `booted` goes, and only then is the exit reported. Every process runs under
 * the spawner's fence watchdog, and no step starts after the fence passed.
 */
export class MicrovmNixVm {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly microvm: MicrovmLaunch;
  /** Every child alive now: a stop, kill or fence reaches each. */
  private readonly children = new Set<ChildRecord>();
  /** Helpers the fence does not apply to (see track). */
  private readonly exempt = new WeakSet<ChildRecord>();
  private runChild: ChildRecord | null = null;
  private virtiofsd: ChildRecord | null = null;
  private booted: RunnerLayout | null = null;
  private consoleLog: ConsoleLog | null = null;
  private stopRequested = false;
  private killRequested = false;
  private fenceMs = Number.POSITIVE_INFINITY;
  private fenced = false;
  private finished = false;
  private tearingDown = false;
  private childSeq = 0;

  constructor(private readonly init: MicrovmNixVmInit) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.microvm = init.launch.microvm!;
  }

  /** Begins on a later turn: events never arrive synchronously from spawn(). */
  start(): void {
    queueMicrotask(() => void this.lifecycle());
  }

  stop(): void {
    if (this.finished || this.stopRequested || this.killRequested) return;
    this.stopRequested = true;
    if (this.runChild !== null) {
      void this.shutDownRunning();
      return;
    }
    // Not running yet: end whatever step is under way (a build, tap-up, virtiofsd).
    for (const child of this.children) child.stop();
  }

  kill(): void {
    // Teardown (tap-down) is bounded and cleans up after the VM: a kill does not cut it short.
    if (this.finished || this.tearingDown) return;
    this.killRequested = true;
    for (const child of this.children) child.kill();
  }

  fenceUntil(monotonicMs: number): void {
    if (this.finished) return;
    this.fenceMs = monotonicMs;
    for (const child of this.children) if (!this.exempt.has(child)) child.fenceUntil(monotonicMs);
  }

  private async lifecycle(): Promise<void> {
    let outcome: Outcome;
    try {
      await this.init.after;
      this.emit({ kind: "started", processId: this.init.processId });
      outcome = await this.bringUpAndRun();
    } catch (error) {
      outcome = { kind: "failed", reason: `microvm-nix launch failed: ${(error as Error).message}` };
    }
    try {
      await this.tearDown();
    } catch (error) {
      this.init.tracer.warn("microvm.teardown-failed", { processId: this.init.processId, error: String(error) });
    }
    this.finish(outcome);
  }

  private async bringUpAndRun(): Promise<Outcome> {
    const dir = this.init.stateDir;
    dir.ensure();
    const made = await this.makeRunner();
    if (made !== null) return made;
    const current = readRunnerLayout(dir.current);
    if (!current.ok) return { kind: "failed", reason: current.error };
    // As microvm@'s preStart: `booted` names the runner this run uses, whatever `current` becomes meanwhile.
    dir.link("booted", realpathSync(dir.current));
    const booted = readRunnerLayout(dir.booted);
    if (!booted.ok) return { kind: "failed", reason: booted.error };
    this.booted = booted.layout;
    const setUp = await this.setUpHost(booted.layout);
    if (setUp !== null) return setUp;
    return this.runVm();
  }

  /** `current` ← a build of the generated flake, or the prebuilt runner. Null when it is there. */
  private async makeRunner(): Promise<Outcome | null> {
    const dir = this.init.stateDir;
    const runner = this.microvm.runner;
    if (runner.kind === "prebuilt") {
      const layout = readRunnerLayout(runner.path);
      if (!layout.ok) return { kind: "failed", reason: `nixos.runner: ${layout.error}` };
      dir.link("current", runner.path);
      return null;
    }
    writeFlake(dir, runner.files);
    const log = new NixBuildLog();
    const buildLog = new ConsoleLog(dir.buildLog, this.init.timings.buildLogBytesMax);
    let lastProgressMs = Number.NEGATIVE_INFINITY;
    let lastSummary = "";
    const report = (force: boolean) => {
      const summary = log.summary();
      const now = this.init.nowMs();
      if (summary === lastSummary || (!force && now - lastProgressMs < this.init.timings.progressIntervalMs)) return;
      lastSummary = summary;
      lastProgressMs = now;
      this.emit({ kind: "progress", processId: this.init.processId, message: summary });
    };
    report(true);
    const installable = `path:${dir.flakeDir}#${runner.attribute}`;
    this.init.tracer.event("microvm.build", { processId: this.init.processId, installable });
    const built = await this.step({
      name: "nix build of the runner",
      argv: [runner.nixCommand, "--extra-experimental-features", "nix-command flakes", "build", "--out-link", dir.current, "--log-format", "internal-json", "-v", installable],
      cwd: dir.root,
      timeoutMs: runner.buildTimeoutMs,
      onLine: (line) => {
        buildLog.write(`${line}\n`);
        if (log.push(line)) report(false);
      },
      explain: () => log.failure(),
    });
    buildLog.close();
    return built.ok ? null : this.failedStep(built);
  }

  /** tap-up, bridges, virtiofsd: the host side microvm.nix's units set up before microvm@ starts. */
  private async setUpHost(layout: RunnerLayout): Promise<Outcome | null> {
    const dir = this.init.stateDir;
    const timeoutMs = this.init.timings.hostStepTimeoutMs;
    if (layout.tapUp !== null) {
      const up = await this.step({ name: "bin/tap-up", argv: [layout.tapUp], cwd: dir.root, timeoutMs, explain: tapHint });
      if (!up.ok) return this.failedStep(up);
    }
    for (const { tapId, bridge } of this.microvm.tapBridges) {
      if (!layout.tapInterfaces.includes(tapId)) return { kind: "failed", reason: `the network gives tap ${tapId} bridge ${bridge}, but the runner has no tap ${tapId} (its taps: ${layout.tapInterfaces.join(", ") || "none"})` };
      const joined = await this.step({ name: `joining tap ${tapId} to bridge ${bridge}`, argv: ["ip", "link", "set", "dev", tapId, "master", bridge], cwd: dir.root, timeoutMs, explain: tapHint });
      if (!joined.ok) return this.failedStep(joined);
    }
    if (layout.virtiofsdRun !== null) return this.startVirtiofsd(layout);
    return null;
  }

  private async startVirtiofsd(layout: RunnerLayout): Promise<Outcome | null> {
    const dir = this.init.stateDir;
    if (this.interrupted()) return this.interruptedOutcome();
    let exited: string | null = null;
    const child = this.init.startChild({
      processId: this.childId("virtiofsd"),
      argv: [layout.virtiofsdRun!],
      cwd: dir.root,
      readyPattern: undefined,
      onEvent: (event) => {
        if (event.kind === "exited") exited = `exited (code ${event.exitCode}, signal ${event.signal})`;
        if (event.kind === "spawn-failed") exited = `could not start: ${event.reason}`;
        if (event.kind === "exited" || event.kind === "spawn-failed") this.children.delete(child as ChildRecord);
      },
    });
    if (typeof child === "string") return { kind: "failed", reason: `bin/virtiofsd-run could not start: ${child}` };
    this.track(child);
    this.virtiofsd = child;
    const sockets = layout.virtiofsSockets.map((socket) => socketPath(dir.root, socket));
    const deadline = this.init.nowMs() + this.init.timings.virtiofsdReadyMs;
    while (!sockets.every((socket) => existsSync(socket))) {
      if (exited !== null) return { kind: "failed", reason: `bin/virtiofsd-run ${exited} before its sockets (${sockets.join(", ")}) appeared` };
      if (this.interrupted()) return this.interruptedOutcome();
      if (this.init.nowMs() >= deadline) return { kind: "failed", reason: `bin/virtiofsd-run did not create ${sockets.filter((s) => !existsSync(s)).join(", ")} within ${this.init.timings.virtiofsdReadyMs} ms` };
      await sleep(VIRTIOFSD_POLL_MS);
    }
    return null;
  }

  /** microvm-run in the state directory; resolves when the hypervisor exits. */
  private runVm(): Promise<Outcome> {
    if (this.interrupted()) return Promise.resolve(this.interruptedOutcome());
    const dir = this.init.stateDir;
    const consoleLog = new ConsoleLog(dir.consoleLog, this.init.timings.consoleLogBytesMax);
    this.consoleLog = consoleLog;
    consoleLog.write(`\n[blixard] ${this.init.processId}: starting ${this.booted?.dir ?? dir.booted} (${dir.target("booted") ?? "?"})\n`);
    return new Promise((resolve) => {
      const child = this.init.startChild({
        processId: this.childId("run"),
        // microvm@'s ExecStart: <state dir>/current/bin/microvm-run, in the state directory.
        argv: [join(dir.root, this.init.launch.argv[0]!), ...this.init.launch.argv.slice(1)],
        env: this.init.launch.env,
        cwd: dir.root,
        readyPattern: this.init.readyPattern,
        onChunk: (chunk) => consoleLog.write(chunk),
        onEvent: (event) => {
          switch (event.kind) {
            case "booted":
              return this.emit({ kind: "booted", processId: this.init.processId });
            case "output":
              return this.emit({ kind: "output", processId: this.init.processId, line: event.line });
            case "exited":
              this.children.delete(child as ChildRecord);
              if (event.fenced === true) this.fenced = true;
              return resolve({ kind: "exited", exitCode: event.exitCode, signal: event.signal });
            case "spawn-failed":
              this.children.delete(child as ChildRecord);
              return resolve({ kind: "failed", reason: `bin/microvm-run could not start: ${event.reason}` });
            default:
              return;
          }
        },
      });
      if (typeof child === "string") {
        resolve({ kind: "failed", reason: `bin/microvm-run could not start: ${child}` });
        return;
      }
      this.track(child);
      this.runChild = child;
      // A stop asked for while the host was being set up.
      if (this.stopRequested) void this.shutDownRunning();
    });
  }

  /** microvm.nix's ExecStop: bin/microvm-shutdown (it returns once the hypervisor is gone), bounded; then signals. */
  private async shutDownRunning(): Promise<void> {
    const run = this.runChild;
    // Already gone (a stop that arrived during teardown): nothing to shut down.
    if (run === null || !this.children.has(run)) return;
    const shutdown = this.booted?.shutdown ?? null;
    if (shutdown !== null && !this.killRequested) {
      const result = await this.step({ name: "bin/microvm-shutdown", argv: [shutdown], cwd: this.init.stateDir.root, timeoutMs: this.init.timings.shutdownTimeoutMs }, true);
      if (!result.ok) this.init.tracer.warn("microvm.shutdown-failed", { processId: this.init.processId, reason: result.reason.slice(0, 500) });
    }
    if (this.children.has(run)) run.stop();
  }

  /** After the VM: stop virtiofsd, end any helper still running, delete the taps, drop `booted`. */
  private async tearDown(): Promise<void> {
    this.tearingDown = true;
    this.consoleLog?.close();
    const virtiofsd = this.virtiofsd;
    if (virtiofsd !== null && this.children.has(virtiofsd)) {
      virtiofsd.stop();
      await virtiofsd.done;
    }
    for (const child of [...this.children]) child.kill();
    await Promise.all([...this.children].map((child) => child.done));
    const tapDown = this.booted?.tapDown ?? null;
    if (tapDown !== null) {
      const down = await this.step({ name: "bin/tap-down", argv: [tapDown], cwd: this.init.stateDir.root, timeoutMs: this.init.timings.hostStepTimeoutMs }, true);
      if (!down.ok) this.init.tracer.warn("microvm.tap-down-failed", { processId: this.init.processId, reason: down.reason.slice(0, 500) });
    }
    if (this.booted !== null) this.init.stateDir.unlink("booted");
  }

  private finish(outcome: Outcome): void {
    this.finished = true;
    const processId = this.init.processId;
    if (outcome.kind === "failed") {
      const reason = outcome.reason.length > FAILURE_CHARS_MAX ? `${outcome.reason.slice(0, FAILURE_CHARS_MAX)}…` : outcome.reason;
      this.init.tracer.warn("spawner.spawn-failed", { processId, reason: reason.slice(0, 500) });
      this.init.onEvent({ kind: "spawn-failed", processId, reason });
    } else {
      this.init.tracer.event("spawner.exited", { processId, exitCode: outcome.exitCode, signal: outcome.signal });
      const exited = { kind: "exited" as const, processId, exitCode: outcome.exitCode, signal: outcome.signal };
      this.init.onEvent(this.fenced ? { ...exited, fenced: true } : exited);
    }
    this.init.onDone();
    this.resolveDone();
  }

  /** A short-lived step; `always` runs it even after a stop, a kill or the fence (teardown, shutdown). */
  private async step(options: Omit<StepOptions, "processId">, always = false): Promise<StepResult> {
    if (!always && this.interrupted()) {
      return { ok: false, reason: "interrupted", timedOut: false, fenced: this.fenced };
    }
    let current: ChildRecord | null = null;
    const result = await runStep({ ...options, processId: this.childId(options.name.split(" ")[0]!.replace(/\W/g, "")) }, this.init.startChild, (child) => {
      if (child !== null) {
        current = child;
        this.track(child, always);
      } else if (current !== null) {
        this.children.delete(current);
      }
    });
    if (!result.ok && result.fenced) this.fenced = true;
    return result;
  }

  private failedStep(result: Extract<StepResult, { ok: false }>): Outcome {
    if (this.interrupted() || result.fenced) return this.interruptedOutcome();
    return { kind: "failed", reason: result.reason };
  }

  /**
   * A new child is fenced like the VM and hears a kill already asked for;
   * a helper that only ends or cleans up after the VM (`exempt`: microvm-shutdown,
   * tap-down) is neither, so it can finish after the fence has passed.
   */
  private track(child: ChildRecord, exempt = false): void {
    this.children.add(child);
    if (exempt) {
      this.exempt.add(child);
      return;
    }
    if (Number.isFinite(this.fenceMs)) child.fenceUntil(this.fenceMs);
    if (this.killRequested) child.kill();
  }

  /** Stopped, killed, or past the fence: no new step may start. */
  private interrupted(): boolean {
    if (!this.fenced && this.init.nowMs() >= this.fenceMs) this.fenced = true;
    return this.stopRequested || this.killRequested || this.fenced;
  }

  private interruptedOutcome(): Outcome {
    return { kind: "exited", exitCode: null, signal: this.killRequested || this.fenced ? "SIGKILL" : "SIGTERM" };
  }

  private childId(role: string): string {
    return `${this.init.processId}.${role}${++this.childSeq}`;
  }

  private emit(event: ProcessEvent): void {
    if (!this.finished) this.init.onEvent(event);
  }
}

/** The generated flake, written fresh (its flake.lock is kept, so inputs stay pinned across rebuilds). */
function writeFlake(dir: VmStateDir, files: readonly { path: string; text: string }[]): void {
  rmSync(join(dir.flakeDir, "modules"), { recursive: true, force: true });
  for (const file of files) {
    const path = join(dir.flakeDir, file.path);
    if (!path.startsWith(`${dir.flakeDir}/`)) throw new Error(`generated file ${JSON.stringify(file.path)} is outside the flake directory`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }
  // microvm.nix's `flake` file: what `microvm -u <name>` would rebuild from.
  writeFileSync(dir.flakeRefFile, `path:${dir.flakeDir}\n`);
}

function tapHint(tail: readonly string[]): string {
  const text = tail.join("\n");
  return /not permitted|permission denied|could not configure \/dev\/net\/tun/i.test(text)
    ? `${text}\nhint: taps need CAP_NET_ADMIN and /dev/net/tun: run the node as root (or give it CAP_NET_ADMIN), and load the tun module`
    : text;
}

/**
 * A VM this host will not run again (deleted, or moved): delete the taps its
 * runner may have left (a node that died while it ran), then its state
 * directory, volumes included. Asynchronous: the node's event loop must not
 * wait on a large directory or a slow `ip`.
 */
export async function discardVmState(dir: VmStateDir, tracer: Tracer): Promise<void> {
  if (!existsSync(dir.root)) return;
  for (const link of ["booted", "current"] as const) {
    const layout = readRunnerLayout(join(dir.root, link));
    if (!layout.ok || layout.layout.tapDown === null) continue;
    if (!layout.layout.tapInterfaces.some((tap) => existsSync(`/sys/class/net/${tap}`))) continue;
    await new Promise<void>((resolve) => {
      execFile(layout.layout.tapDown!, [], { cwd: dir.root, timeout: DEFAULT_MICROVM_TIMINGS.hostStepTimeoutMs }, (error) => {
        if (error !== null) tracer.warn("microvm.tap-down-failed", { stateDir: dir.root, error: error.message.slice(0, 500) });
        resolve();
      });
    });
  }
  await rm(dir.root, { recursive: true, force: true });
  tracer.event("microvm.discarded", { stateDir: dir.root });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
