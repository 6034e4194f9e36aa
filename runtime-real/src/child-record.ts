import type { ChildProcess } from "node:child_process";
import type { FenceClock, FenceFile } from "./fence-watchdog";
import type { ProcessEvent, Tracer } from "@blixard/core";
import { BoundedLineSplitter, LineRateLimiter } from "./output-lines";

export interface ChildLimits {
  readonly stopGraceMs: number;
  readonly maxLineChars: number;
  readonly maxOutputLinesPerSec: number;
  readonly outputDrainMs: number;
  readonly nowMs: () => number;
}

export interface ChildRecordInit {
  readonly processId: string;
  readonly child: ChildProcess;
  readonly command: string;
  readonly readyPattern: RegExp | undefined;
  readonly limits: ChildLimits;
  readonly tracer: Tracer;
  readonly onEvent: (event: ProcessEvent) => void;
  readonly onDone: () => void;
  /** Every stdout/stderr chunk as it arrives, before line splitting and rate limits. */
  readonly onChunk?: (chunk: Buffer) => void;
  /** The out-of-process watchdog's fence file, where there is one (fence-watchdog.ts). */
  readonly fence?: { readonly file: FenceFile; readonly clock: FenceClock } | null;
}

/**
 * One spawned child: turns node:child_process callbacks into the port's event
 * sequence — started, booted?, output*, then exactly one of exited or
 * spawn-failed — and owns its stop/kill timers.
 */
export class ChildRecord {
  /** Resolves once the terminal event (exited or spawn-failed) has been delivered. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private started = false;
  private booted = false;
  private finished = false;
  private exitStatus: { code: number | null; signal: string | null } | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private fenceMs = Number.POSITIVE_INFINITY;
  private fenced = false;
  private readonly rate: LineRateLimiter;

  constructor(private readonly init: ChildRecordInit) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.rate = new LineRateLimiter(init.limits.maxOutputLinesPerSec, init.limits.nowMs);
    const { child } = init;
    const stdout = new BoundedLineSplitter(init.limits.maxLineChars, (line) => this.onLine(line));
    const stderr = new BoundedLineSplitter(init.limits.maxLineChars, (line) => this.onLine(line));
    const onChunk = init.onChunk;
    child.stdout?.on("data", (chunk: Buffer) => {
      onChunk?.(chunk);
      stdout.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      onChunk?.(chunk);
      stderr.push(chunk);
    });
    child.stdout?.on("end", () => stdout.end());
    child.stderr?.on("end", () => stderr.end());
    child.once("spawn", () => this.onSpawn());
    child.on("error", (error) => this.onError(error));
    child.once("exit", (code, signal) => this.onExit(code, signal));
    child.once("close", () => this.finish());
  }

  /** SIGTERM the group now, SIGKILL it after the grace period if it is still there. */
  stop(): void {
    if (this.finished || this.killTimer !== undefined) return;
    this.signalGroup("SIGTERM");
    this.killTimer = setTimeout(() => this.signalGroup("SIGKILL"), this.init.limits.stopGraceMs);
  }

  kill(): void {
    if (this.finished) return;
    this.signalGroup("SIGKILL");
  }

  /**
   * Kill the group when the monotonic clock (limits.nowMs, the node clock's
   * origin) passes `deadlineMs`, unless moved on before. The timer runs in
   * this node process: it catches a lease end the agent's own checks would
   * reach late; the watchdog's fence file (if any) holds it while this
   * process is stalled or gone (see ChildProcessSpawner).
   */
  fenceUntil(deadlineMs: number): void {
    if (this.finished) return;
    this.fenceMs = deadlineMs;
    const fence = this.init.fence;
    if (fence != null) {
      try {
        fence.file.setCentiseconds(fence.clock.centisecondsAt(deadlineMs));
      } catch (error) {
        // The in-process timer below still holds the fence; the watchdog keeps the last one written.
        this.init.tracer.warn("spawner.fence-write-failed", { processId: this.init.processId, error: String(error) });
      }
    }
    this.armFenceTimer();
  }

  private armFenceTimer(): void {
    if (this.fenceTimer !== undefined) clearTimeout(this.fenceTimer);
    this.fenceTimer = undefined;
    const remainingMs = this.fenceMs - this.init.limits.nowMs();
    if (remainingMs <= 0) {
      this.fenceNow();
      return;
    }
    // Bounded timers: a far deadline is checked again on the way (setTimeout caps near 2^31 ms).
    this.fenceTimer = setTimeout(() => this.armFenceTimer(), Math.min(Math.ceil(remainingMs), 2 ** 30));
  }

  private fenceNow(): void {
    if (this.fenced) return;
    this.fenced = true;
    this.init.tracer.warn("spawner.fenced", { processId: this.init.processId });
    this.signalGroup("SIGKILL");
  }

  private onSpawn(): void {
    this.started = true;
    const processId = this.init.processId;
    this.init.onEvent({ kind: "started", processId });
    if (this.init.readyPattern === undefined) this.markBooted();
  }

  private onLine(line: string): void {
    if (this.finished) return;
    // Readiness is checked on every line, even one the rate limit keeps from the output events.
    if (this.rate.admit()) {
      this.reportDroppedLines();
      this.init.onEvent({ kind: "output", processId: this.init.processId, line });
    }
    if (!this.booted && this.init.readyPattern?.test(line)) this.markBooted();
  }

  private markBooted(): void {
    this.booted = true;
    this.init.onEvent({ kind: "booted", processId: this.init.processId });
  }

  private onError(error: Error & { code?: string }): void {
    if (!this.started && !this.finished) {
      this.finished = true;
      const reason = spawnFailureReason(this.init.command, error);
      this.init.tracer.warn("spawner.spawn-failed", { processId: this.init.processId, reason });
      this.init.onEvent({ kind: "spawn-failed", processId: this.init.processId, reason });
      this.cleanup();
      return;
    }
    this.init.tracer.warn("spawner.child-error", { processId: this.init.processId, error: error.message });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitStatus = { code, signal };
    // Whatever the leader left behind in its group goes with it.
    this.signalGroup("SIGKILL");
    // Output still in the pipes arrives before "close"; a straggler holding a pipe open must not stall exited.
    this.drainTimer = setTimeout(() => {
      this.init.child.stdout?.destroy();
      this.init.child.stderr?.destroy();
      this.finish();
    }, this.init.limits.outputDrainMs);
  }

  private finish(): void {
    if (this.finished || this.exitStatus === undefined) return;
    this.finished = true;
    this.reportDroppedLines();
    const { code, signal } = this.exitStatus;
    this.init.tracer.event("spawner.exited", { processId: this.init.processId, exitCode: code, signal });
    // Killed by the watchdog while this process was stalled: the fence had passed.
    if (!this.fenced && signal === "SIGKILL" && this.init.limits.nowMs() >= this.fenceMs) this.fenced = true;
    this.init.onEvent(this.fenced ? { kind: "exited", processId: this.init.processId, exitCode: code, signal, fenced: true } : { kind: "exited", processId: this.init.processId, exitCode: code, signal });
    this.cleanup();
  }

  private cleanup(): void {
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    if (this.fenceTimer !== undefined) clearTimeout(this.fenceTimer);
    this.init.fence?.file.remove();
    this.init.onDone();
    this.resolveDone();
  }

  private reportDroppedLines(): void {
    const dropped = this.rate.takeDroppedCount();
    if (dropped > 0) this.init.tracer.warn("spawner.output-dropped", { processId: this.init.processId, lines: dropped });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.init.child.pid;
    if (pid === undefined) return;
    try {
      // Negative pid: the whole process group the child leads (spawned detached).
      process.kill(-pid, signal);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "ESRCH") this.init.tracer.warn("spawner.signal-failed", { pid, signal, error: String(error) });
    }
  }
}

/** The reason spawn-failed gives for an error code, also when the spawner found the problem itself. */
export function spawnFailureReasonFor(command: string, code: string): string {
  return spawnFailureReason(command, Object.assign(new Error(code), { code }));
}

function spawnFailureReason(command: string, error: Error & { code?: string }): string {
  switch (error.code) {
    case "ENOENT":
      return `executable "${command}" not found (ENOENT); check the path or that the runner was built`;
    case "EACCES":
      return `executable "${command}" is not executable (EACCES); check its permissions`;
    default:
      return `cannot start "${command}": ${error.code ?? ""} ${error.message}`.trim();
  }
}
