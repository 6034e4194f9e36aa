import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { KvPutResult } from "@blixard/core";
import { encodeHello } from "@blixard/runtime-real";
import { freeLoopbackPorts, LocalNodeProcess, waitForLeader } from "../../../cli/src/node/local-node-process";
import { repoRoot, withClient } from "./cli-helpers";

/*
 * Overload isolation on real processes: one client floods the leader with
 * pipelined valid writes from a single connection, and thousands of idle
 * connections sit on a node. The leader must keep its leadership, other
 * clients must keep being served, and new clients and peers must get in.
 * Every loop here is bounded in count and time; all traffic is on loopback.
 */
const LEADER_WAIT_MS = 20_000;
const FLOOD_MS = 5_000;
const IDLE_TCP_CONNECTIONS = 700;
const IDLE_WS_CONNECTIONS = 600;
const ids = ["n1", "n2", "n3"];

let dataRoot = "";
let nodes: LocalNodeProcess[] = [];
const idleSockets: Socket[] = [];
const idleWebSockets: WebSocket[] = [];

function nodeById(id: string): LocalNodeProcess {
  const node = nodes.find((n) => n.spec.nodeId === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}

/** The flooding client in a process of its own (flood-client.ts); resolves with what it counted. */
async function flood(url: string, durationMs: number): Promise<{ sent: number; answered: number; overloaded: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "sim-tests/test/e2e/flood-client.ts", url, String(durationMs)], {
    cwd: repoRoot,
    timeout: durationMs + 30_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { sent: number; answered: number; overloaded: number };
}

/** A WebSocket that completes the hello as a client and then says nothing. */
function idleClient(url: string): Promise<WebSocket> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on("error", () => {});
    socket.once("open", () => socket.send(encodeHello({ clusterId: "blixard", endpointId: `client-idle${randomBytes(6).toString("hex")}` })));
    socket.once("message", () => resolve(socket));
    socket.once("close", () => resolve(socket));
  });
}

function idleTcp(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.once("connect", () => resolve(socket));
    socket.once("close", () => resolve(socket));
  });
}

describe.skipIf(process.platform !== "linux")("overload isolation on a real 3-node cluster", () => {
  let leaderId = "";
  let term = 0;

  beforeAll(async () => {
    dataRoot = mkdtempSync(join(tmpdir(), "blixard-overload-"));
    const ports = await freeLoopbackPorts(6);
    const clusterPorts = Object.fromEntries(ids.map((id, i) => [id, ports[i] ?? 0]));
    nodes = ids.map((id, i) => LocalNodeProcess.spawn(repoRoot, { nodeId: id, port: ports[i] ?? 0, metricsPort: ports[3 + i] ?? 0, dataDir: join(dataRoot, id), clusterPorts }));
    const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
    if (elected === null) throw new Error(`no leader:\n${nodes.map((n) => n.describe()).join("\n")}`);
    leaderId = elected.leaderId;
    term = elected.term;
  });

  afterAll(async () => {
    for (const socket of idleSockets) socket.destroy();
    for (const socket of idleWebSockets) socket.terminate();
    await Promise.all(nodes.map((n) => n.stop(3_000)));
    if (dataRoot !== "") rmSync(dataRoot, { recursive: true, force: true });
  });

  it("a client flooding the leader with pipelined writes does not cost it its leadership, and other clients are served", async () => {
    const leader = nodeById(leaderId);
    const served: number[] = [];
    const failures: string[] = [];
    const flooding = flood(leader.url, FLOOD_MS);
    // Another client writes one at a time through every node for the whole flood.
    const steady = withClient(nodes, async (client) => {
      const endMs = Date.now() + FLOOD_MS;
      for (let i = 0; i < 10_000 && Date.now() < endMs; i++) {
        const startedMs = performance.now();
        const put = await client.run({ module: "kv", command: { type: "put", key: `steady-${i}`, value: "v" } });
        if (put.ok) served.push(performance.now() - startedMs);
        else failures.push(`${put.error.code}: ${put.error.message}`);
      }
    });
    const [flooded] = await Promise.all([flooding, steady]);
    const after = await Promise.all(nodes.map((n) => n.status()));
    // Evidence for the report: how hard the flood pushed, and how the steady client fared.
    const sorted = [...served].sort((a, b) => a - b);
    process.stdout.write(
      `flood: ${flooded.sent} frames sent, ${flooded.answered} answered (${flooded.overloaded} overloaded); ` +
        `steady client: ${served.length} puts, ${failures.length} failed, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms\n`,
    );
    expect(failures).toEqual([]);
    expect(served.length).toBeGreaterThan(0);
    expect(after.map((s) => [s?.leaderId, s?.term])).toEqual(ids.map(() => [leaderId, term]));
    expect(after.find((s) => s?.nodeId === leaderId)?.role).toBe("leader");
  });

  it("1,300 idle connections (bare TCP and idle WebSocket clients) lock out neither new clients nor peers", async () => {
    const target = nodeById(leaderId);
    for (let i = 0; i < IDLE_TCP_CONNECTIONS; i++) idleSockets.push(await idleTcp(target.spec.port));
    for (let i = 0; i < IDLE_WS_CONNECTIONS; i++) idleWebSockets.push(await idleClient(target.url));
    // A new client gets in and is served.
    const put = await withClient([target], (c) => c.run({ module: "kv", command: { type: "put", key: "after-idle", value: "served" } }));
    expect(put.ok).toBe(true);
    expect(put.ok && (put.value as KvPutResult).created).toBe(true);
    // A peer gets in: restart a follower; it must reconnect and follow the same leader.
    const follower = nodes.find((n) => n.spec.nodeId !== leaderId);
    if (follower === undefined) throw new Error("no follower");
    await follower.stop(5_000);
    const revived = LocalNodeProcess.spawn(repoRoot, follower.spec);
    nodes = nodes.map((n) => (n === follower ? revived : n));
    const elected = await waitForLeader(nodes, LEADER_WAIT_MS);
    expect(elected?.leaderId).toBe(leaderId);
  });
});
