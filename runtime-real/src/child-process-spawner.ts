import { spawn as spawnChild } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { LaunchSpec, ProcessEvent, ProcessHandle, ProcessSpawner, ProcessSpec, Tracer } from "@blixard/core";
import { ChildRecord, spawnFailureReasonFor, type ChildLimits } from "./child-record";
import { executableExists, FenceClock, FenceFile, WATCHDOG_SCRIPT } from "./fence-watchdog";

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
}

export const READY_PATTERN_ENV = "BLIXARD_READY_PATTERN";
/** Serial-console readiness heuristics: a getty prompt, or an explicit marker the guest prints. */
const DEFAULT_VM_READY_PATTERN = /login: ?$|BLIXARD_READY/;
const MAX_ARGV_CHARS = 128 * 1024;

export class ChildProcessSpawner implements ProcessSpawner {
  private readonly live = new Map<string, ChildRecord>();
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
    process.on("exit", this.onProcessExit);
  }

  spawn(spec: ProcessSpec, onEvent: (event: ProcessEvent) => void): ProcessHandle {
    const processId = `${spec.vmName}.g${spec.generation}.p${this.nextSeq++}`;
    const problem = this.closed ? "the spawner is closed (node shutting down)" : validateLaunch(spec.launch);
    const readyPattern = problem === undefined ? this.readyPatternFor(spec.launch) : undefined;
    const refusal = problem ?? (typeof readyPattern === "string" ? readyPattern : undefined);
    if (refusal !== undefined) return this.refuse(processId, refusal, onEvent);

    const [command, ...args] = spec.launch.argv as [string, ...string[]];
    const env = { ...process.env, ...spec.launch.env };
    let fence: { file: FenceFile; clock: FenceClock } | null = null;
    let child;
    try {
      if (this.fenceClock === null) {
        child = spawnChild(command, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      } else {
        // Under the watchdog, a missing executable would start sh fine: refuse it here, as spawn itself would.
        if (!executableExists(command, env.PATH)) return this.refuse(processId, spawnFailureReasonFor(command, "ENOENT"), onEvent);
        fence = { file: FenceFile.create(processId), clock: this.fenceClock };
        // The launch's environment goes to the VM process alone (through env(1)), not to the watchdog.
        const assignments = Object.entries(spec.launch.env ?? {}).map(([key, value]) => `${key}=${value}`);
        const argv = ["-c", WATCHDOG_SCRIPT, "blixard-fence", fence.file.path, "env", ...assignments, command, ...args];
        child = spawnChild("sh", argv, { env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      }
    } catch (error) {
      fence?.file.remove();
      // Node throws synchronously for malformed arguments (e.g. a NUL byte in argv).
      return this.refuse(processId, `cannot spawn ${command}: ${(error as Error).message}`, onEvent);
    }
    const record = new ChildRecord({
      processId,
      child,
      command,
      readyPattern: readyPattern as RegExp | undefined,
      limits: this.limits,
      tracer: this.options.tracer,
      onEvent,
      onDone: () => this.live.delete(processId),
      fence,
    });
    this.live.set(processId, record);
    this.options.tracer.event("spawner.spawn", { processId, backend: spec.launch.backend, command });
    return { processId, stop: () => record.stop(), kill: () => record.kill(), fenceUntil: (monotonicMs) => record.fenceUntil(monotonicMs) };
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
  return undefined;
}
