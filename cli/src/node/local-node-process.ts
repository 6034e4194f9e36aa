import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fetchNodeStatus, type NodeStatusReport } from "../client/node-status";

/** One `blixard node` child process on loopback, as the local-cluster script and the e2e test run it. */
export interface LocalNodeSpec {
  readonly nodeId: string;
  readonly port: number;
  readonly metricsPort: number;
  readonly dataDir: string;
  /** Every node of the cluster (this one included): id → port. */
  readonly clusterPorts: Readonly<Record<string, number>>;
  readonly clusterId?: string;
  /** Start with an empty configuration (blixard node --join): the cluster adds it later. */
  readonly join?: boolean;
  /** Append the full trace to `<dataDir>.trace.jsonl` (default true; benchmarks turn it off, it costs CPU per event). */
  readonly traceFile?: boolean;
}

/**
 * How a child runs the CLI: "sources" transpiles cli/src with tsx (tests see
 * an edit at once), "built" runs the bundle through the installed launcher
 * (cli/bin/blixard.js, which rebuilds a stale bundle first) and starts in a
 * fraction of the time.
 */
export type CliLaunch = "sources" | "built";

/** The command line (executable first) that runs `blixard` from `repoRoot`'s working directory. */
export function blixardCommand(launch: CliLaunch): string[] {
  return launch === "built" ? [process.execPath, "cli/bin/blixard.js"] : [process.execPath, "--import", "tsx", "cli/src/main.ts"];
}

/** Lines of a child's output (a JSON log record as its message) kept for tests and error reports. */
const OUTPUT_LINES_KEPT_MAX = 200;
const STATUS_POLL_INTERVAL_MS = 100;

export function nodeArgv(spec: LocalNodeSpec): string[] {
  const peers = Object.entries(spec.clusterPorts)
    .filter(([id]) => id !== spec.nodeId)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([id, port]) => ["--peer", `${id}=ws://127.0.0.1:${port}`]);
  return [
    "node", "--id", spec.nodeId, "--listen", `127.0.0.1:${spec.port}`, ...peers,
    "--data-dir", spec.dataDir, "--metrics-port", String(spec.metricsPort),
    ...(spec.traceFile === false ? [] : ["--trace-file", `${spec.dataDir}.trace.jsonl`]), "--backend", "process",
    ...(spec.clusterId === undefined ? [] : ["--cluster-id", spec.clusterId]),
    ...(spec.join === true ? ["--join"] : []),
  ];
}

export class LocalNodeProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    readonly spec: LocalNodeSpec,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") this.output.push(messageOf(line));
      if (this.output.length > OUTPUT_LINES_KEPT_MAX) this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT_MAX);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve((this.exitCode = code))));
  }

  /** Start `blixard node ...` in `repoRoot`: the built CLI unless `launch` says "sources" (tsx). */
  static spawn(repoRoot: string, spec: LocalNodeSpec, launch: CliLaunch = "built"): LocalNodeProcess {
    const [command = process.execPath, ...prefix] = blixardCommand(launch);
    const child = spawn(command, [...prefix, ...nodeArgv(spec)], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    return new LocalNodeProcess(spec, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.spec.port}`;
  }

  get statusUrl(): string {
    return `http://127.0.0.1:${this.spec.metricsPort}`;
  }

  status(timeoutMs = 1_000): Promise<NodeStatusReport | null> {
    return fetchNodeStatus(this.statusUrl, timeoutMs).then((r) => (r.ok ? r.value : null));
  }

  /** SIGTERM (clean shutdown), then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL: a crash, no shutdown at all. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  describe(): string {
    return `${this.spec.nodeId} (pid ${String(this.pid)}), last output:\n${this.output.slice(-20).join("\n")}`;
  }
}

/**
 * A node not on a terminal logs JSON lines; what tests and error reports want
 * is the message (with its hint). Other lines are kept as they are.
 */
function messageOf(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const record = JSON.parse(line) as { msg?: unknown; hint?: unknown };
    if (typeof record.msg !== "string") return line;
    return typeof record.hint === "string" ? `${record.msg} (hint: ${record.hint})` : record.msg;
  } catch {
    return line;
  }
}

/** Ports the OS says are free on 127.0.0.1 right now (bound to port 0, then released). */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * Poll the nodes' /status until the running ones agree on one leader in one
 * term (and that leader says it leads). Bounded by `timeoutMs`.
 */
export async function waitForLeader(nodes: readonly LocalNodeProcess[], timeoutMs: number): Promise<{ leaderId: string; term: number } | null> {
  const deadlineMs = performance.now() + timeoutMs;
  const pollsMax = Math.ceil(timeoutMs / STATUS_POLL_INTERVAL_MS) + 1;
  for (let poll = 0; poll < pollsMax && performance.now() < deadlineMs; poll++) {
    const live = nodes.filter((n) => n.running);
    const reports = (await Promise.all(live.map((n) => n.status(500)))).filter((r): r is NodeStatusReport => r !== null);
    const leader = reports.find((r) => r.role === "leader");
    const agreeing = reports.filter((r) => leader !== undefined && r.leaderId === leader.nodeId && r.term === leader.term);
    if (leader !== undefined && leader.term !== null && agreeing.length === live.length) return { leaderId: leader.nodeId, term: leader.term };
    await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_INTERVAL_MS));
  }
  return null;
}
