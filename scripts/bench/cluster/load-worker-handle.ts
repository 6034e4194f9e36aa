import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { PhaseCommand, PhaseResult, WorkerReply, WorkerStart } from "./worker-protocol";

const WORKER_PATH = join(import.meta.dirname, "load-worker.ts");
const OPEN_TIMEOUT_MS = 60_000;
const CLOSE_GRACE_MS = 3_000;

/** The parent's side of one load worker process: start it, run phases on it, stop it (by its pid). */
export class LoadWorker {
  private pending: ((reply: WorkerReply) => void) | null = null;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(private readonly child: ChildProcess, readonly system: string) {
    child.on("message", (reply: WorkerReply) => {
      const resolve = this.pending;
      this.pending = null;
      resolve?.(reply);
    });
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve((this.exitCode = code))));
    void this.exited.then((code) => this.pending?.({ kind: "failed", message: `the ${system} load worker exited (code ${String(code)})` }));
  }

  static async start(repoRoot: string, start: WorkerStart): Promise<LoadWorker> {
    const child = fork(WORKER_PATH, [JSON.stringify(start)], { cwd: repoRoot, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const worker = new LoadWorker(child, start.system);
    const reply = await worker.next(OPEN_TIMEOUT_MS);
    if (reply.kind !== "ready") {
      await worker.close();
      throw new Error(reply.kind === "failed" ? reply.message : `unexpected first reply ${reply.kind}`);
    }
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async phase(command: Omit<PhaseCommand, "kind">): Promise<PhaseResult> {
    const answer = this.next(command.durationMs + 60_000);
    this.child.send({ kind: "phase", ...command } satisfies PhaseCommand);
    const reply = await answer;
    if (reply.kind !== "result") throw new Error(reply.kind === "failed" ? reply.message : `unexpected reply ${reply.kind}`);
    return reply;
  }

  /** Ask it to close its clients and exit; SIGKILL by pid if it has not within a grace period. */
  async close(): Promise<void> {
    if (this.exitCode !== undefined) return;
    if (this.child.connected) this.child.send({ kind: "close" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private next(timeoutMs: number): Promise<WorkerReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        resolve({ kind: "failed", message: `the ${this.system} load worker did not answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  }
}
