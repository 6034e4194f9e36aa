import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The installed CLI as an operator runs it: `pnpm blixard …` (pnpm falls back
 * to the workspace's `blixard` bin), the bin itself, and `pnpm cluster`. Each
 * process tree is recorded by PID from /proc, and only those PIDs are signalled
 * or checked: other processes on this machine run the same command lines.
 */
const repoRoot = join(import.meta.dirname, "..", "..");
const SERVING_WAIT_MS = 60_000;
const EXIT_WAIT_MS = 15_000;

let dataRoot = "";
const started: ChildProcess[] = [];
/** Every process of a tree this file started, so a failed test still leaves nothing running. */
const recorded = new Set<number>();

beforeAll(() => {
  // The test set-up (vitest globalSetup) made cli/dist current.
  dataRoot = mkdtempSync(join(tmpdir(), "blixard-built-cli-"));
});

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const pid of recorded) if (alive(pid)) process.kill(pid, "SIGKILL");
  rmSync(dataRoot, { recursive: true, force: true });
});

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function start(command: string, args: readonly string[], env: Record<string, string> = {}): Run {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BLIXARD_CLUSTER: "", FORCE_COLOR: "0", ...env } });
  started.push(child);
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = run.output().match(pattern);
    if (found !== null) return found;
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${String(pattern)} within ${timeoutMs} ms; output:\n${run.output()}`);
}

/** Every live descendant of `pid` (Linux /proc), found by parent PID. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent; the command name (field 2) may hold spaces, so split after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop();
    for (const [child, ppid] of parentOf) if (ppid === parent) (found.push(child), frontier.push(child));
  }
  for (const child of found) recorded.add(child);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 50));
  return pids.filter(alive);
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });
}

function nodeArgs(id: string): string[] {
  return ["node", "--id", id, "--listen", "127.0.0.1:0", "--data-dir", join(dataRoot, id), "--trace-file", join(dataRoot, `${id}.trace.jsonl`)];
}

/** Start a node by `command`, SIGTERM the PID the shell would hold ($!), and see the whole tree stop cleanly. */
async function sigtermStopsNode(command: string, args: readonly string[]): Promise<void> {
  const id = args[args.indexOf("--id") + 1] ?? "?";
  const run = start(command, args);
  const serving = await waitFor(run, /serving on ws:\/\/127\.0\.0\.1:(\d+)/, SERVING_WAIT_MS);
  const port = Number(serving[1]);
  const tree = [run.child.pid ?? -1, ...descendants(run.child.pid ?? -1)];
  expect(tree.length).toBeGreaterThan(0);
  run.child.kill("SIGTERM");
  const code = await Promise.race([run.exited, new Promise<string>((resolve) => setTimeout(() => resolve("still running"), EXIT_WAIT_MS))]);
  expect(code, run.output()).toBe(0);
  expect(run.output()).toContain(`blixard node ${id} stopped (SIGTERM)`);
  expect(await gone(tree, EXIT_WAIT_MS)).toEqual([]);
  expect(await refusesConnections(port)).toBe(true);
}

describe.skipIf(process.platform !== "linux")("the installed blixard CLI", () => {
  it("passes exit codes through pnpm without pnpm's lifecycle noise", async () => {
    const unreachable = start("pnpm", ["--silent", "blixard", "kv", "get", "k", "--cluster", "ws://127.0.0.1:9", "--timeout-ms", "1000"]);
    const noCluster = start("pnpm", ["blixard", "kv", "get", "k"]);
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toContain("error cluster-unreachable: no listed node could be reached");
    expect(await noCluster.exited).toBe(2);
    expect(noCluster.output()).toContain("--cluster is required");
    for (const run of [unreachable, noCluster]) expect(run.output()).not.toContain("ELIFECYCLE");
  });

  it("stops `blixard node` on SIGTERM whether started as `pnpm blixard node`, the bin, or `pnpm cluster`", async () => {
    await sigtermStopsNode("pnpm", ["blixard", ...nodeArgs("p1")]);
    await sigtermStopsNode(join(repoRoot, "node_modules", ".bin", "blixard"), nodeArgs("b1"));
    // A second start on the same data dir works: the first released everything it held.
    await sigtermStopsNode("pnpm", ["blixard", ...nodeArgs("p1")]);

    const cluster = start("pnpm", ["cluster", "--nodes", "1"]);
    await waitFor(cluster, /leader: n1/, SERVING_WAIT_MS);
    const tree = [cluster.child.pid ?? -1, ...descendants(cluster.child.pid ?? -1)];
    // pnpm, local-cluster, and the node (its launcher runs it in the same process).
    expect(tree.length).toBeGreaterThanOrEqual(3);
    cluster.child.kill("SIGTERM");
    expect(await cluster.exited, cluster.output()).toBe(0);
    expect(cluster.output()).toMatch(/nodes exited with n1=0/);
    expect(await gone(tree, EXIT_WAIT_MS)).toEqual([]);
  });

  it("runs from a TOML file and BLIXARD_* variables (flags > env > file), logs JSON lines, and serves /metrics, /health and /ready on its port", async () => {
    const config = join(dataRoot, "c1.toml");
    writeFileSync(config, ['id = "c1"', 'listen = "127.0.0.1:0"', `data_dir = ${JSON.stringify(join(dataRoot, "c1"))}`, "vcpus = 4", 'log-level = "debug"'].join("\n"));
    const run = start(join(repoRoot, "node_modules", ".bin", "blixard"), ["node", "--config", config, "--log-level", "info"], { BLIXARD_VCPUS: "6", BLIXARD_MEMORY_MIB: "2048" });
    const serving = await waitFor(run, /serving on ws:\/\/127\.0\.0\.1:(\d+)/, SERVING_WAIT_MS);
    const base = `http://127.0.0.1:${serving[1]}`;
    // The env beat the file (vcpus 6, not 4); the flag beat the file (info, not debug): no debug records.
    const lines = run.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ node: "c1", time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), msg: expect.any(String) });
    expect(lines.some((line) => line["level"] === "debug")).toBe(false);
    let ready: Response | null = null;
    for (let i = 0; i < 100 && ready?.status !== 200; i++) {
      ready = await fetch(`${base}/ready`);
      if (ready.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ready?.json()).toMatchObject({ ready: true, role: "leader", leaderId: "c1" });
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: "ok" });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^blixard_raft_role\{role="leader",node="c1"\} 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes\{node="c1"\} \d+/m);
    const hosts = start(join(repoRoot, "node_modules", ".bin", "blixard"), ["cluster", "hosts", "--json", "--cluster", `ws://127.0.0.1:${serving[1]}`]);
    expect(await hosts.exited, hosts.output()).toBe(0);
    expect(hosts.output()).toMatch(/"vcpus": 6/);
    expect(hosts.output()).toMatch(/"memoryMib": 2048/);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });
});
