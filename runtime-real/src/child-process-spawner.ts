import { spawn as spawnChild } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { LaunchSpec, ProcessEvent, ProcessHandle, ProcessSpawner, ProcessSpec, Tracer } from "@blixard/core";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChildRecord, spawnFailureReasonFor, type ChildLimits } from "./child-record";
import { executableExists, FenceClock, FenceFile, WATCHDOG_SCRIPT } from "./fence-watchdog";
import { DEFAULT_MICROVM_TIMINGS, discardVmState, MicrovmNixVm, type MicrovmTimings } from "./vm/microvm-nix/microvm-nix-vm";
import { VmStateDir } from "./vm/vm-state-dir";

/**
 * ProcessSpawner port over node:child_process.
 *
 * Backends: "process" runs argv as given; "qemu-direct" runs the qemu argv core
 * built; "microvm-nix" runs the microvm.nix runner named in argv. Each child is
 * the leader of its own process group so stop/kill reach everything it forked
 * (a runner script's qemu, a shell's sleep). close() kills every group, and an
 * exit hook does the same if the node process exits without calling close().
 *
 * Fences (ProcessHandle.fenceUntil): on Linux each child runs under a sh
 * watchdog (fence-watchdog.ts) that kills its group at the fence even when
 * this node process is stopped or gone; a timer here does the same while the
 * node runs (and alone where there is no /proc/uptime).
 *
 * Readiness ("booted"): the first output line matching the launch's
 * `env.BLIXARD_READY_PATTERN` (a regexp source), else the spawner's pattern for
 * the backend; with no pattern at all, "booted" follows "started" at once.
 */
export interface ChildProcessSpawnerOptions {
  readonly nodeId: string;
  readonly tracer: Tracer;
  /** Time between SIGTERM and SIGKILL on stop(). */
  readonly stopGraceMs?: number;
  readonly maxLineChars?: number;
  readonly maxOutputLinesPerSec?: number;
  /** After the child exits, how long to wait for its pipes to close before giving up on them. */
  readonly outputDrainMs?: number;
  readonly readyPatterns?: Partial<Record<LaunchSpec["backend"], RegExp>>;
  /** Where VMs keep their state directories (<vmStateRoot>/<name>); the real runtime uses <data-dir>/vms. */
  readonly vmStateRoot?: string;
  /** microvm-nix: bounds on the host-side steps around a runner. */
  readonly microvm?: Partial<MicrovmTimings>;
}

/** One child process to start: what runs, where, and who hears about it. */
export interface ChildLaunch {
  readonly processId: string;
  /** [command, ...args]; the command is a path or a name on PATH. */
  readonly argv: readonly string[];
  /** Added to the node's environment, for this child alone. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string;
  readonly readyPattern: RegExp | undefined;
  readonly onEvent: (event: ProcessEvent) => void;
  /** Every byte of stdout and stderr as it arrives (a console log), before lines are split and rate-limited. */
  readonly onChunk?: (chunk: Buffer) => void;
  /** Called once, right after the terminal event was delivered. */
  readonly onDone?: () => void;
}

/** What close() must end: a child, or a VM made of several. */
interface LiveProcess {
  kill(): void;
  readonly done: Promise<void>;
}

export const READY_PATTERN_ENV = "BLIXARD_READY_PATTERN";
/** Serial-console readiness heuristics: a getty prompt, or an explicit marker the guest prints. */
const DEFAULT_VM_READY_PATTERN = /login: ?$|BLIXARD_READY/;
const MAX_ARGV_CHARS = 128 * 1024;

export class ChildProcessSpawner implements ProcessSpawner {
  private readonly live = new Map<string, LiveProcess>();
  private readonly vmStateRoot: string;
  /** State directories being deleted (discard): a new VM of the same name starts after. */
  private readonly discarding = new Map<string, Promise<void>>();
  private readonly microvmTimings: MicrovmTimings;
  private readonly limits: ChildLimits;
  private readonly readyPatterns: Partial<Record<LaunchSpec["backend"], RegExp>>;
  private nextSeq = 1;
  private closed = false;
  private readonly onProcessExit = () => this.killAllNow();
  /** Null: no out-of-process watchdog here (fences are kept by the in-process timer alone). */
  private readonly fenceClock = FenceClock.probe();

  constructor(private readonly options: ChildProcessSpawnerOptions) {
    this.limits = {
      stopGraceMs: options.stopGraceMs ?? 5_000,
      maxLineChars: options.maxLineChars ?? 4_096,
      maxOutputLinesPerSec: options.maxOutputLinesPerSec ?? 200,
      outputDrainMs: options.outputDrainMs ?? 1_000,
      nowMs: () => performance.now(),
    };
    this.readyPatterns = {
      "qemu-direct": DEFAULT_VM_READY_PATTERN,
      "microvm-nix": DEFAULT_VM_READY_PATTERN,
      ...options.readyPatterns,
    };
    this.vmStateRoot = options.vmStateRoot ?? join(tmpdir(), `blixard-vms-${options.nodeId}`);
    this.microvmTimings = { ...DEFAULT_MICROVM_TIMINGS, ...options.microvm };
    process.on("exit", this.onProcessExit);
  }

  spawn(spec: ProcessSpec, onEvent: (event: ProcessEvent) => void): ProcessHandle {
    const processId = `${spec.vmName}.g${spec.generation}.p${this.nextSeq++}`;
    const problem = this.closed ? "the spawner is closed (node shutting down)" : validateLaunch(spec.launch);
    const readyPattern = problem === undefined ? this.readyPatternFor(spec.launch) : undefined;
    const refusal = problem ?? (typeof readyPattern === "string" ? readyPattern : undefined);
    if (refusal !== undefined) return this.refuse(processId, refusal, onEvent);
    if (spec.launch.microvm !== undefined) return this.spawnMicrovm(processId, spec.launch, readyPattern as RegExp | undefined, onEvent);

    const onDone = () => this.live.delete(processId);
    const started = this.startChild({ processId, argv: spec.launch.argv, env: spec.launch.env, readyPattern: readyPattern as RegExp | undefined, onEvent, onDone });
    if (typeof started === "string") return this.refuse(processId, started, onEvent);
    this.live.set(processId, started);
    this.options.tracer.event("spawner.spawn", { processId, backend: spec.launch.backend, command: spec.launch.argv[0] ?? "" });
    return { processId, stop: () => started.stop(), kill: () => started.kill(), fenceUntil: (monotonicMs) => started.fenceUntil(monotonicMs) };
  }

  /**
   * Start one child process, the leader of its own process group, under the
   * fence watchdog where there is one. Returns its record, or why it could
   * not start. Backends that run several processes per VM (microvm-nix)
   * start each through here.
   */
  startChild(launch: ChildLaunch): ChildRecord | string {
    const [command, ...args] = launch.argv as [string, ...string[]];
    const env = { ...process.env, ...launch.env };
    let fence: { file: FenceFile; clock: FenceClock } | null = null;
    let child;
    try {
      if (this.fenceClock === null) {
        child = spawnChild(command, args, { env, cwd: launch.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
      } else {
        // Under the watchdog, a missing executable would start sh fine: refuse it here, as spawn itself would.
        if (!executableExists(command, env.PATH)) return spawnFailureReasonFor(command, "ENOENT");
        fence = { file: FenceFile.create(launch.processId), clock: this.fenceClock };
        // The launch's environment goes to the VM process alone (through env(1)), not to the watchdog.
        const assignments = Object.entries(launch.env ?? {}).map(([key, value]) => `${key}=${value}`);
        const argv = ["-c", WATCHDOG_SCRIPT, "blixard-fence", fence.file.path, "env", ...assignments, command, ...args];
        child = spawnChild("sh", argv, { env: process.env, cwd: launch.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
      }
    } catch (error) {
      fence?.file.remove();
      // Node throws synchronously for malformed arguments (e.g. a NUL byte in argv).
      return `cannot spawn ${command}: ${(error as Error).message}`;
    }
    return new ChildRecord({
      processId: launch.processId,
      child,
      command,
      readyPattern: launch.readyPattern,
      limits: this.limits,
      tracer: this.options.tracer,
      onEvent: launch.onEvent,
      ...(launch.onChunk === undefined ? {} : { onChunk: launch.onChunk }),
      onDone: launch.onDone ?? (() => {}),
      fence,
    });
  }

  /** A microvm.nix VM: several processes in its state directory, one handle (vm/microvm-nix/microvm-nix-vm.ts). */
  private spawnMicrovm(processId: string, launch: LaunchSpec, readyPattern: RegExp | undefined, onEvent: (event: ProcessEvent) => void): ProcessHandle {
    const microvm = launch.microvm!;
    let stateDir: VmStateDir;
    try {
      stateDir = VmStateDir.of(this.vmStateRoot, microvm.name);
    } catch (error) {
      return this.refuse(processId, (error as Error).message, onEvent);
    }
    const vm = new MicrovmNixVm({
      processId,
      launch,
      stateDir,
      readyPattern,
      timings: this.microvmTimings,
      nowMs: this.limits.nowMs,
      tracer: this.options.tracer,
      startChild: (child) => this.startChild(child),
      onEvent,
      onDone: () => this.live.delete(processId),
      after: this.discarding.get(microvm.name) ?? Promise.resolve(),
    });
    this.live.set(processId, vm);
    this.options.tracer.event("spawner.spawn", { processId, backend: launch.backend, stateDir: stateDir.root });
    vm.start();
    return { processId, stop: () => vm.stop(), kill: () => vm.kill(), fenceUntil: (monotonicMs) => vm.fenceUntil(monotonicMs) };
  }

  /**
   * Forget a VM this host no longer runs (deleted, or placed elsewhere):
   * its state directory goes, volumes included, and any tap its runner left
   * (a node that died mid-run) is deleted. Not while one of its processes lives.
   */
  discard(vmName: string): void {
    if ([...this.live.keys()].some((processId) => processId.startsWith(`${vmName}.g`))) return;
    let stateDir: VmStateDir;
    try {
      stateDir = VmStateDir.of(this.vmStateRoot, vmName);
    } catch {
      return;
    }
    const discarding = discardVmState(stateDir, this.options.tracer)
      .catch((error: unknown) => this.options.tracer.warn("microvm.discard-failed", { stateDir: stateDir.root, error: String(error) }))
      .finally(() => {
        if (this.discarding.get(vmName) === discarding) this.discarding.delete(vmName);
      });
    this.discarding.set(vmName, discarding);
  }

  /** Processes that have not yet reported exited or spawn-failed. */
  liveProcessCount(): number {
    return this.live.size;
  }

  /** Kill every child (SIGKILL to its group) and wait, bounded by `waitMs`, until each has exited. */
  async close(waitMs = 2_000): Promise<void> {
    this.closed = true;
    const records = [...this.live.values()];
    for (const record of records) record.kill();
    await Promise.race([
      Promise.all(records.map((record) => record.done)),
      new Promise((resolve) => setTimeout(resolve, waitMs).unref()),
    ]);
    process.off("exit", this.onProcessExit);
  }

  private killAllNow(): void {
    for (const record of this.live.values()) record.kill();
  }

  /** A RegExp, undefined for "no marker", or a string explaining why the pattern is unusable. */
  private readyPatternFor(launch: LaunchSpec): RegExp | undefined | string {
    const source = launch.env?.[READY_PATTERN_ENV];
    if (source === undefined) return this.readyPatterns[launch.backend];
    if (source.length > 1_000) return `${READY_PATTERN_ENV} is ${source.length} chars; at most 1000 allowed`;
    try {
      return new RegExp(source);
    } catch (error) {
      return `${READY_PATTERN_ENV} is not a valid regular expression: ${(error as Error).message}`;
    }
  }

  private refuse(processId: string, reason: string, onEvent: (event: ProcessEvent) => void): ProcessHandle {
    this.options.tracer.warn("spawner.spawn-failed", { processId, reason });
    // Events never arrive synchronously from spawn(), even refusals.
    queueMicrotask(() => onEvent({ kind: "spawn-failed", processId, reason }));
    return { processId, stop: () => {}, kill: () => {}, fenceUntil: () => {} };
  }
}

function validateLaunch(launch: LaunchSpec): string | undefined {
  if (launch.backend === "sim") {
    return 'backend "sim" exists only in the simulator; the real spawner runs "process", "qemu-direct" or "microvm-nix"';
  }
  const command = launch.argv[0];
  if (command === undefined || command.length === 0) return "launch.argv is empty; the first entry must name the executable";
  const argvChars = launch.argv.reduce((total, arg) => total + arg.length, 0);
  if (argvChars > MAX_ARGV_CHARS) return `launch.argv has ${argvChars} chars; at most ${MAX_ARGV_CHARS} allowed`;
  if ((launch.backend === "microvm-nix") !== (launch.microvm !== undefined)) {
    return launch.backend === "microvm-nix" ? "a microvm-nix launch needs its microvm plan (launch.microvm)" : `launch.microvm is only for backend microvm-nix, not ${launch.backend}`;
  }
  return undefined;
}
