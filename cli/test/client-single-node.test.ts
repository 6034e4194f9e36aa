import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlixardNode, defaultNodeConfig, type KvGetResult, type Tracer } from "@blixard/core";
import { createRealRuntime, type RealRuntime } from "@blixard/runtime-real";
import { BlixardClient } from "../src/client/blixard-client";
import { discoverNodeId } from "../src/client/discover-node-id";
import { nodeHttpHandler, registerNodeGauges, startMetricsServer } from "../src/node/metrics-server";
import { NodeMetrics } from "../src/node/node-metrics";

const silent: Tracer = { event: () => {}, warn: () => {} };

/** The value of the sample `name` whose labels include `labels` (and node="solo"), from Prometheus text; NaN if none. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = { ...labels, node: "solo" };
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = Object.fromEntries((match[2] ?? "").split(",").map((pair) => pair.split("=")).map(([k, v]) => [k, (v ?? "").replace(/^"|"$/g, "")]));
    if (Object.entries(want).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return Number.NaN;
}

describe("the CLI client against one real in-process node", () => {
  let dir = "";
  let runtime: RealRuntime;
  let node: BlixardNode;
  let metrics: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "blixard-cli-solo-"));
    const observed = new NodeMetrics("solo");
    runtime = await createRealRuntime({ nodeId: "solo", dataDir: dir, listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer: silent, net: { observer: observed.net }, disk: { onSync: observed.onSync } });
    node = new BlixardNode(runtime, defaultNodeConfig("solo", ["solo"]), { observer: observed.node });
    registerNodeGauges(observed.registry, node, runtime.net);
    const started = node.start();
    if (!started.ok) throw new Error(started.error.message);
    metrics = await startMetricsServer(nodeHttpHandler(node, observed.registry), { host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    node.stop();
    await metrics.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("learns the node id from the handshake, and names a cluster-id mismatch", async () => {
    expect(await discoverNodeId({ url: runtime.url, clusterId: "blixard", selfId: "client-test", timeoutMs: 2_000 })).toEqual({ ok: true, value: "solo" });
    const wrong = await discoverNodeId({ url: runtime.url, clusterId: "other", selfId: "client-test", timeoutMs: 2_000 });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.code).toBe("cluster-mismatch");
  });

  it("starts without a listed node that never answers, and abandons its probe on close instead of holding the process", async () => {
    // A listener that accepts and says nothing (a stopped process, a black hole).
    const mute = createServer(() => {});
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    const port = (mute.address() as { port: number }).port;
    try {
      const startedMs = performance.now();
      const connected = await BlixardClient.connect({ endpoints: [{ nodeId: null, url: runtime.url }, { nodeId: null, url: `ws://127.0.0.1:${port}` }], clusterId: "blixard", timeoutMs: 8_000 });
      if (!connected.ok) throw new Error(connected.error.message);
      const put = await connected.value.run({ module: "kv", command: { type: "put", key: "mute", value: "ok" } });
      expect(put.ok).toBe(true);
      await connected.value.close();
      // Well inside the 3 s probe timeout: the mute node neither delayed the start nor the close.
      expect(performance.now() - startedMs).toBeLessThan(2_500);
      const controller = new AbortController();
      const probe = discoverNodeId({ url: `ws://127.0.0.1:${port}`, clusterId: "blixard", selfId: "client-test", timeoutMs: 10_000, signal: controller.signal });
      controller.abort();
      expect(await probe).toMatchObject({ ok: false, error: { code: "probe-abandoned" } });
    } finally {
      mute.close();
    }
  });

  it("writes and reads through a bare URL, and refuses a --cluster id that does not match the node", async () => {
    const connected = await BlixardClient.connect({ endpoints: [{ nodeId: null, url: runtime.url }], clusterId: "blixard", timeoutMs: 5_000 });
    if (!connected.ok) throw new Error(connected.error.message);
    const client = connected.value;
    try {
      expect((await client.run({ module: "kv", command: { type: "put", key: "k", value: "v" } })).ok).toBe(true);
      const got = await client.run({ module: "kv", command: { type: "get", key: "k" } });
      expect(got.ok && (got.value as KvGetResult).entry?.value).toBe("v");
    } finally {
      await client.close();
    }
    const mislabelled = await BlixardClient.connect({ endpoints: [{ nodeId: "n7", url: runtime.url }], clusterId: "blixard", timeoutMs: 2_000 });
    expect(mislabelled.ok).toBe(false);
    if (!mislabelled.ok) expect(mislabelled.error.message).toContain("says ws://");
  });

  it("serves Prometheus metrics and a JSON status for the node", async () => {
    const text = await (await fetch(`${metrics.url}/metrics`)).text();
    expect(text).toContain('blixard_raft_role{role="leader",node="solo"} 1');
    expect(text).toMatch(/blixard_raft_commit_index\{node="solo"\} [1-9]/);
    // Counters and histograms fed by core, the transport and the disk, after the writes and reads above.
    expect(sample(text, "blixard_raft_proposals_total", { kind: "client" })).toBeGreaterThan(0);
    expect(sample(text, "blixard_raft_entries_applied_total", {})).toBeGreaterThan(0);
    expect(sample(text, "blixard_raft_leader_changes_total", {})).toBe(1);
    expect(sample(text, "blixard_disk_fsync_duration_seconds_count", {})).toBeGreaterThan(0);
    expect(sample(text, "blixard_client_request_duration_seconds_count", { operation: "kv.put", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "blixard_client_request_duration_seconds_count", { operation: "kv.get", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "blixard_net_frames_received_total", { peer: "client" })).toBeGreaterThan(0);
    expect(sample(text, "blixard_net_connections", { state: "client" })).toBeGreaterThanOrEqual(0);
    // Process metrics (prom-client's defaults).
    expect(text).toMatch(/process_cpu_seconds_total\{node="solo"\} /);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds\{node="solo"\} /);
    // /health and /ready, and the same handler on the node's own port.
    const health = await fetch(`${metrics.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", health: "serving" });
    const ready = await fetch(`${metrics.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, role: "leader", leaderId: "solo" });
    const status = (await (await fetch(`${metrics.url}/status`)).json()) as { role: string; leaderId: string; health: string };
    expect(status).toMatchObject({ role: "leader", leaderId: "solo", health: "serving" });
  });
});
