import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";
import { repoRoot } from "./cli-helpers";

/*
 * Two real `blixard node` processes on one --data-dir: the second exits at
 * once, naming the process that holds the directory, and never opens the
 * database; once the holder dies by SIGKILL (no cleanup at all) the kernel has
 * dropped its lock and a new node starts on the same directory.
 */
const START_WAIT_MS = 20_000;
const REFUSAL_WAIT_MS = 20_000;

describe.skipIf(process.platform !== "linux")("the data directory lock across real processes", () => {
  const dataRoot = mkdtempSync(join(tmpdir(), "blixard-lock-e2e-"));
  const started: LocalNodeProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((n) => n.stop(3_000)));
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it("refuses a second node on a held data dir, and frees the dir when the holder is SIGKILLed", async () => {
    const dataDir = join(dataRoot, "n1");
    const [port1, metrics1, port2, metrics2, port3, metrics3] = await freeLoopbackPorts(6);
    const spawnOn = (port: number, metricsPort: number) => {
      const node = LocalNodeProcess.spawn(repoRoot, { nodeId: "n1", port, metricsPort, dataDir, clusterPorts: { n1: port } });
      started.push(node);
      return node;
    };
    const holder = spawnOn(port1 ?? 0, metrics1 ?? 0);
    if ((await waitForLeader([holder], START_WAIT_MS)) === null) throw new Error(`the first node did not start:\n${holder.describe()}`);
    const record = JSON.parse(readFileSync(join(dataDir, "LOCK"), "utf8")) as { pid: number; nodeId: string };
    expect(record).toMatchObject({ pid: holder.pid, nodeId: "n1" });

    const intruder = spawnOn(port2 ?? 0, metrics2 ?? 0);
    const code = await Promise.race([intruder.exited, sleep(REFUSAL_WAIT_MS).then(() => "still running" as const)]);
    expect(code, intruder.describe()).toBe(1);
    const said = intruder.output.join("\n");
    expect(said).toMatch(/data directory .* is held by node n1/);
    expect(said).toContain(`pid ${String(holder.pid)}`);
    // The holder never noticed: it still leads its one-node cluster.
    expect((await holder.status())?.role).toBe("leader");

    await holder.kill();
    const successor = spawnOn(port3 ?? 0, metrics3 ?? 0);
    if ((await waitForLeader([successor], START_WAIT_MS)) === null) throw new Error(`no node started after the holder died:\n${successor.describe()}`);
    expect(existsSync(join(dataDir, "disk.sqlite"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, "LOCK"), "utf8"))).toMatchObject({ pid: successor.pid });
  }, 60_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
