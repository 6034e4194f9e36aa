import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blixard as runCli, repoRoot, withClient } from "./cli-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KvGetResult, KvPutResult } from "@blixard/core";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";

/*
 * Three real `blixard node` processes on 127.0.0.1 (random free ports, temp
 * data dirs), driven through the real CLI and the CLI's client: election,
 * forwarding through a follower, a process-backend VM reaching running as a
 * real OS process, leader crash (SIGKILL) and failover, and a restart of the
 * crashed node from its own data dir.
 */
const LEADER_WAIT_MS = 15_000;
const CLI_TIMEOUT_MS = 20_000;
const ids = ["n1", "n2", "n3"];
/** Unique per run, so the VM's OS process is found (and cleaned up) by its environment, never by a broad name. */
const vmName = `e2e-${randomBytes(4).toString("hex")}`;

let dataRoot = "";
let nodes: LocalNodeProcess[] = [];

const blixard = (...argv: string[]) => runCli(CLI_TIMEOUT_MS, ...argv);


/** Pids whose environment names our VM (Linux /proc); unreadable entries are other users' and skipped. */
function vmProcessPids(name: string): number[] {
  const needle = `BLIXARD_VM_NAME=${name}\u0000`;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return `${readFileSync(`/proc/${pid}/environ`, "latin1")}\u0000`.includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function nodeById(id: string): LocalNodeProcess {
  const node = nodes.find((n) => n.spec.nodeId === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}

describe.skipIf(process.platform !== "linux")("a real 3-node cluster on loopback", () => {
  let leaderId = "";
  let term = 0;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-e2e-"));
    const ports = await freeLoopbackPorts(6);
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[3 + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    // A SIGKILLed node cannot stop its VMs; kill what is left of ours, by pid.
    for (const pid of vmProcessPids(vmName)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
  });

  it("elects one leader that every node follows", async () => {
    const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    leaderId = elected.leaderId;
    term = elected.term;
    expect(ids).toContain(leaderId);
    const statuses = await Promise.all(nodes.map((n) => n.status()));
    expect(statuses.filter((s) => s?.role === "leader").map((s) => s?.nodeId)).toEqual([leaderId]);
  });

  it("kv put through the CLI to a follower only, then get through a follower, returns the value", async () => {
    const follower = nodes.find((n) => n.spec.nodeId !== leaderId);
    if (follower === undefined) throw new Error("no follower");
    const put = await blixard("kv", "put", "e2e-key", "e2e-value", "--cluster", follower.url, "--json");
    expect(put.code, put.stderr).toBe(0);
    const putResult = (JSON.parse(put.stdout) as { result: KvPutResult }).result;
    expect(putResult.created).toBe(true);
    const got = await withClient([follower], (c) => c.run({ module: "kv", command: { type: "get", key: "e2e-key" } }));
    expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("e2e-value");
  });

  it("vm create --wait brings a process-backend VM to running, as a real OS process", async () => {
    const cluster = nodes.map((n) => n.url).join(",");
    const created = await blixard("vm", "create", vmName, "--vcpus", "1", "--memory-mib", "64", "--wait", "--cluster", cluster, "--timeout-ms", "15000");
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`VM ${vmName} is running on n[123]`));
    const pids = vmProcessPids(vmName);
    expect(pids.length).toBe(1);
    expect(() => process.kill(pids[0] ?? 0, 0)).not.toThrow();
    const listed = await blixard("vm", "list", "--cluster", cluster);
    expect(listed.stdout).toMatch(new RegExp(`${vmName}\\s+running\\s+running\\s+n[123]`));
  });

  it("after the leader is killed (SIGKILL), a new leader is elected and kv still works", async () => {
    await nodeById(leaderId).kill();
    const survivors = nodes.filter((n) => n.running);
    const elected = await waitForLeader(survivors, LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no new leader:\n${survivors.map((n) => n.describe()).join("\n")}`);
    expect(elected.leaderId).not.toBe(leaderId);
    expect(elected.term).toBeGreaterThan(term);
    await withClient(survivors, async (c) => {
      const put = await c.run({ module: "kv", command: { type: "put", key: "after-failover", value: "still-here" } });
      expect(put.ok).toBe(true);
      const got = await c.run({ module: "kv", command: { type: "get", key: "e2e-key" } });
      expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("e2e-value");
    });
  });

  it("the killed node restarts from its data dir, recovers its log and catches up with the cluster", async () => {
    const crashed = nodeById(leaderId);
    const revived = LocalNodeProcess.spawn(repoRoot, crashed.spec);
    nodes = nodes.map((n) => (n === crashed ? revived : n));
    const target = Math.max(...(await Promise.all(nodes.filter((n) => n !== revived).map((n) => n.status()))).map((s) => s?.commitIndex ?? 0));
    let caughtUp = null;
    for (let poll = 0; poll < 100 && caughtUp === null; poll++) {
      const status = await revived.status(500);
      if (status !== null && (status.appliedIndex ?? 0) >= target && status.leaderId !== null) caughtUp = status;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (caughtUp === null) throw new Error(`node did not catch up to ${target}:\n${revived.describe()}`);
    expect(caughtUp.role).toBe("follower");
    const startup = revived.output.find((line) => line.startsWith(`blixard node ${leaderId} serving`)) ?? "";
    expect(startup).toMatch(/recovered term [1-9]\d*, log up to index [1-9]\d*/);
  });
});
