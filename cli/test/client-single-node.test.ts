import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlixardNode, defaultNodeConfig, type KvGetResult, type Tracer } from "@blixard/core";
import { createRealRuntime, type RealRuntime } from "@blixard/runtime-real";
import { BlixardClient } from "../src/client/blixard-client";
import { discoverNodeId } from "../src/client/discover-node-id";
import { startMetricsServer } from "../src/node/metrics-server";

const silent: Tracer = { event: () => {}, warn: () => {} };

describe("the CLI client against one real in-process node", () => {
  let dir = "";
  let runtime: RealRuntime;
  let node: BlixardNode;
  let metrics: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "blixard-cli-solo-"));
    runtime = await createRealRuntime({ nodeId: "solo", dataDir: dir, listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer: silent });
    node = new BlixardNode(runtime, defaultNodeConfig("solo", ["solo"]));
    const started = node.start();
    if (!started.ok) throw new Error(started.error.message);
    metrics = await startMetricsServer(node, 0);
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
    const status = (await (await fetch(`${metrics.url}/status`)).json()) as { role: string; leaderId: string; health: string };
    expect(status).toMatchObject({ role: "leader", leaderId: "solo", health: "serving" });
  });
});
