import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Disk, LaunchSpec, TraceFields, Tracer } from "@blixard/core";
import { createRealRuntime, READY_PATTERN_ENV, type RealRuntime } from "@blixard/runtime-real";
import { runRuntimeContract, type ContractCluster, type RuntimeFactory } from "./runtime-contract";

/** The contract against runtime-real: loopback only, free ports picked by the OS, temp dirs removed. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const sh = (script: string, env?: Record<string, string>): LaunchSpec => ({
  backend: "process", argv: ["sh", "-c", script], vcpus: 1, memoryMib: 16, ...(env === undefined ? {} : { env }),
});

/** Warnings are part of what the tests exercise (oversize, unknown peer); keep them out of the test output. */
const quietTracer: Tracer = { event: (_kind: string, _fields?: TraceFields) => {}, warn: () => {} };

async function createCluster(nodeIds: readonly string[]): Promise<ContractCluster> {
  const baseDir = mkdtempSync(join(tmpdir(), "blixard-contract-"));
  const runtimes = new Map<string, RealRuntime>();
  const start = async (nodeId: string): Promise<RealRuntime> => {
    const runtime = await createRealRuntime({
      nodeId,
      dataDir: join(baseDir, nodeId),
      listen: { host: "127.0.0.1", port: 0 },
      peers: {},
      tracer: quietTracer,
      net: { maxMessageBytes: MAX_MESSAGE_BYTES, reconnectDelayMsInitial: 10, reconnectDelayMsMax: 100 },
      spawner: { stopGraceMs: 2_000 },
    });
    runtimes.set(nodeId, runtime);
    // Ports are known only once bound, so peers learn each other's addresses afterwards.
    for (const [otherId, other] of runtimes) {
      if (otherId === nodeId) continue;
      other.net.addPeer(nodeId, runtime.url);
      runtime.net.addPeer(otherId, other.url);
    }
    return runtime;
  };
  const current = (nodeId: string): RealRuntime => {
    const runtime = runtimes.get(nodeId);
    if (runtime === undefined) throw new Error(`contract: node ${nodeId} is not running`);
    return runtime;
  };
  for (const nodeId of nodeIds) await start(nodeId);
  const down = new Set<string>();
  return {
    runtime: current,
    settle: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    crash: async (nodeId) => {
      await current(nodeId).crash();
      down.add(nodeId);
    },
    reopenDisk: async (nodeId): Promise<Disk> => {
      if (!down.delete(nodeId)) await current(nodeId).close();
      runtimes.delete(nodeId);
      return (await start(nodeId)).disk;
    },
    cleanup: async () => {
      await Promise.all([...runtimes].filter(([id]) => !down.has(id)).map(([, runtime]) => runtime.close()));
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

const realFactory: RuntimeFactory = {
  create: createCluster,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  patienceMs: 3_000,
  launches: {
    longRunning: sh("echo booting; sleep 0.05; echo ready; exec sleep 30", { [READY_PATTERN_ENV]: "^ready$" }),
    failsToSpawn: { backend: "process", argv: ["/nonexistent/blixard-contract-runner"], vcpus: 1, memoryMib: 16 },
    exitsByItself: { launch: sh("echo first; echo second; exit 7"), lines: ["first", "second"], exitCode: 7 },
  },
};

runRuntimeContract("runtime-real", realFactory);
