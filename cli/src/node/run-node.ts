import {
  BlixardNode,
  defaultHostConfig,
  defaultNodeConfig,
  defaultPublishIntervalTicks,
  defaultSupervisorConfig,
  hostServices,
  peerDirectoryServices,
  type BlixardError,
  type HostConfig,
  type Tracer,
} from "@blixard/core";
import { createRealRuntime, DataDirLockedError, JsonLinesTracer, type RealRuntime } from "@blixard/runtime-real";
import { advertisedAddress, type NodeLaunch } from "./node-args";
import { startMetricsServer } from "./metrics-server";

/** How often the node process checks that its node still serves (a failed disk stops it). */
const HEALTH_CHECK_INTERVAL_MS = 1_000;

export interface NodeProcessIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopRequested: Promise<string>;
}

/** The host this node offers to the cluster: its id, reachable address, capacity and backend. */
export function hostConfigFor(launch: NodeLaunch, url: string): HostConfig {
  return {
    ...defaultHostConfig(launch.nodeId, launch.backend),
    address: url,
    capacity: launch.capacity,
    features: launch.features,
    ...(launch.microvmNix === null ? {} : { launchOptions: { microvmNix: launch.microvmNix } }),
  };
}

/**
 * `blixard node`: bind the real runtime, start the node with its host
 * services, serve until a signal or a failure. Returns the exit code.
 */
export async function runNode(launch: NodeLaunch, io: NodeProcessIo): Promise<number> {
  const trace = launch.traceFile === null ? null : JsonLinesTracer.toFile(launch.nodeId, launch.traceFile);
  let runtime: RealRuntime;
  try {
    runtime = await createRealRuntime({
      nodeId: launch.nodeId,
      dataDir: launch.dataDir,
      clusterId: launch.clusterId,
      listen: launch.listen,
      peers: launch.peers,
      ...(trace === null ? {} : { tracer: trace.tracer as Tracer }),
    });
  } catch (error) {
    io.err(`blixard node ${launch.nodeId}: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    io.err(
      error instanceof DataDirLockedError
        ? "  hint: stop that process first (its lock goes when it exits, however it exits), or give this node its own --data-dir"
        : "  hint: is the --listen port in use, or the --data-dir unwritable?",
    );
    await trace?.close();
    return 1;
  }
  // A joiner starts with no configuration and never campaigns: the cluster adds it (cluster add-node).
  const voters = launch.join ? [] : [launch.nodeId, ...Object.keys(launch.peers)].sort();
  const advertise = advertisedAddress(launch, runtime.url);
  const hosts = hostServices(hostConfigFor(launch, advertise ?? runtime.url), defaultSupervisorConfig());
  const peers = peerDirectoryServices({ advertiseAddress: advertise, publishIntervalTicks: defaultPublishIntervalTicks });
  const node = new BlixardNode(runtime, { ...defaultNodeConfig(launch.nodeId, voters), readMode: launch.readMode }, {
    services: (n) => [...hosts(n), ...peers(n)],
  });
  const started = node.start();
  if (!started.ok) {
    printFailure(io, launch.nodeId, "refused to start", started.error);
    await runtime.close();
    await trace?.close();
    return 1;
  }
  const status = node.raftStatus();
  const recoveredVoters = status?.config.voters ?? voters;
  io.out(
    `blixard node ${launch.nodeId} serving on ${runtime.url} (cluster ${launch.clusterId}, data ${launch.dataDir}, backend ${launch.backend}); ` +
      `${recoveredVoters.length === 0 ? "no configuration yet: waiting to be added (blixard cluster add-node)" : `voters ${recoveredVoters.join(",")}`}; ` +
      `advertised as ${advertise ?? "nothing (wildcard listen host: give --advertise)"}; ` +
      `recovered term ${status?.term ?? 0}, log up to index ${status?.lastIndex ?? 0}, applied ${node.stateMachine.appliedIndex}`,
  );
  let metrics: { url: string; close: () => Promise<void> } | null = null;
  if (launch.metricsPort !== null) {
    try {
      metrics = await startMetricsServer(node, launch.metricsPort);
      io.out(`metrics on ${metrics.url}/metrics, status on ${metrics.url}/status`);
    } catch (error) {
      io.err(`blixard node ${launch.nodeId}: metrics port ${launch.metricsPort} unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const ended = await Promise.race([io.stopRequested.then((signal) => ({ signal })), failedHealth(node)]);
  node.stop();
  await metrics?.close();
  await runtime.close();
  await trace?.close();
  if ("signal" in ended) {
    io.out(`blixard node ${launch.nodeId} stopped (${ended.signal})`);
    return 0;
  }
  printFailure(io, launch.nodeId, "stopped serving", ended.failure);
  return 1;
}

/** Resolves if the node stops serving on its own (corrupt storage found later, a disk that failed). */
function failedHealth(node: BlixardNode): Promise<{ failure: BlixardError }> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (node.health !== "failed") return;
      clearInterval(timer);
      resolve({ failure: node.failureReason() ?? { code: "failed", message: "the node stopped serving" } });
    }, HEALTH_CHECK_INTERVAL_MS);
    timer.unref();
  });
}

function printFailure(io: NodeProcessIo, nodeId: string, what: string, error: BlixardError): void {
  io.err(`blixard node ${nodeId} ${what}: ${error.code}: ${error.message}`);
  if (error.hint !== undefined) io.err(`  hint: ${error.hint}`);
}

/** Resolves with the name of the first SIGINT or SIGTERM; a second one exits at once. */
export function stopSignals(): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(130);
      received = true;
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
