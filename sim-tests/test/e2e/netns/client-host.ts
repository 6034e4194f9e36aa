import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeHistoryJsonLines, type HistoryEvent } from "@blixard/runtime-sim";
import type { HistoryClientArgs } from "./history-client";

const SCRIPT = join(import.meta.dirname, "history-client.ts");
const OUTPUT_CHARS_KEPT_MAX = 8_000;

/** A history-client process, inside a lab namespace when `execPrefix` says so; stopped by its pid. */
export class ClientHost {
  private output = "";
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(private readonly child: ChildProcess, private readonly args: HistoryClientArgs) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString("utf8")).slice(-OUTPUT_CHARS_KEPT_MAX));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve((this.exitCode = code))));
  }

  static start(repoRoot: string, execPrefix: readonly string[], args: HistoryClientArgs): ClientHost {
    const argv = [...execPrefix, process.execPath, "--import", "tsx", SCRIPT, JSON.stringify(args)];
    const [command = process.execPath, ...rest] = argv;
    return new ClientHost(spawn(command, rest, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] }), args);
  }

  /** Resolves once every client connected; rejects when it exits first or `timeoutMs` passes. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.output.includes("ready\n")) {
      if (this.exitCode !== undefined) throw new Error(`client host exited (${String(this.exitCode)}) before it was ready:\n${this.output}`);
      if (performance.now() > deadline) throw new Error(`client host not ready within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ask it to stop, wait for it to write its history (SIGKILL after `timeoutMs`), and read that history. */
  async finish(timeoutMs: number): Promise<HistoryEvent[]> {
    if (this.exitCode === undefined) this.child.stdin?.write("stop\n");
    const code = await this.waitExit(timeoutMs);
    if (code !== 0) throw new Error(`client host exited with ${String(code)}:\n${this.output}`);
    const history = decodeHistoryJsonLines(readFileSync(this.args.historyPath, "utf8"));
    if (!history.ok) throw new Error(`client host wrote a bad history: ${history.error.message}`);
    return history.value;
  }

  async kill(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill("SIGKILL");
    await this.exited;
  }

  private async waitExit(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
