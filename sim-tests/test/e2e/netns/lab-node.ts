import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { NodeStatusReport } from "../../../../cli/src/client/node-status";
import type { NetnsLab } from "./netns-lab";

/** Inside its own namespace every node can use the same ports. */
export const LAB_NODE_PORT = 7001;
const LAB_METRICS_PORT = 9464;
const OUTPUT_LINES_KEPT_MAX = 100;

/** One `blixard node` (built CLI) inside its lab namespace, listening on its lab address. */
export class LabNode {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(readonly id: string, private readonly lab: NetnsLab, private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") this.output.push(line);
      if (this.output.length > OUTPUT_LINES_KEPT_MAX) this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT_MAX);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve((this.exitCode = code))));
  }

  /** `ids` are the cluster's nodes, each a lab member of that name. */
  static spawn(repoRoot: string, lab: NetnsLab, id: string, ids: readonly string[], dataRoot: string): LabNode {
    const peers = ids.filter((p) => p !== id).flatMap((p) => ["--peer", `${p}=${labNodeUrl(lab, p)}`]);
    const [command = "ip", ...prefix] = lab.execPrefix(id);
    const child = spawn(command, [
      ...prefix, process.execPath, "cli/bin/blixard.js", "node", "--id", id, "--listen", `${lab.address(id)}:${LAB_NODE_PORT}`, ...peers,
      "--data-dir", join(dataRoot, id), "--metrics-listen", `127.0.0.1:${LAB_METRICS_PORT}`, "--backend", "process", "--log-format", "text",
    ], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    return new LabNode(id, lab, child);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Its /status, read from inside its namespace (its metrics listen on that namespace's loopback); null when unreadable. */
  async status(timeoutMs = 1_000): Promise<NodeStatusReport | null> {
    if (!this.running) return null;
    const [command = "ip", ...prefix] = this.lab.execPrefix(this.id);
    try {
      const { stdout } = await promisify(execFile)(command, [...prefix, "curl", "-s", "-m", String(timeoutMs / 1000), `http://127.0.0.1:${LAB_METRICS_PORT}/status`], { timeout: timeoutMs + 2_000 });
      return JSON.parse(stdout) as NodeStatusReport;
    } catch {
      return null;
    }
  }

  /** SIGTERM by pid, SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  describe(): string {
    return `${this.id} (pid ${String(this.child.pid)}), last output:\n${this.output.slice(-15).join("\n")}`;
  }
}

export function labNodeUrl(lab: NetnsLab, id: string): string {
  return `ws://${lab.address(id)}:${LAB_NODE_PORT}`;
}

const LEADER_POLL_MS = 200;

/** Poll until the running `nodes` agree on one leader in one term (and it says it leads); null after `timeoutMs`. */
export async function waitForLabLeader(nodes: readonly LabNode[], timeoutMs: number): Promise<{ leaderId: string; term: number } | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const live = nodes.filter((n) => n.running);
    const reports = await Promise.all(live.map((n) => n.status()));
    const leader = reports.find((r): r is NodeStatusReport => r?.role === "leader");
    const agreeing = reports.filter((r) => leader !== undefined && r !== null && r.leaderId === leader.nodeId && r.term === leader.term);
    if (leader !== undefined && leader.term !== null && agreeing.length === live.length) return { leaderId: leader.nodeId, term: leader.term };
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
  }
  return null;
}
