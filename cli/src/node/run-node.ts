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
import { createRealRuntime, DataDirLockedError, DEFAULT_MICROVM_TIMINGS, JsonLinesTracer, type RealRuntime } from "@blixard/runtime-real";
import { registerNodeGauges, nodeHttpHandler, startMetricsServer } from "./metrics-server";
import { advertisedAddress, type NodeLaunch } from "./node-args";
import { NodeLog, teeTracer } from "./node-log";
import { NodeMetrics } from "./node-metrics";

/**
 * A microvm-nix VM's stop takes bin/microvm-shutdown's bound, then the
 * spawner's SIGTERM grace (5 s): the controller kills only after both.
 */
const MICROVM_NIX_STOP_GRACE_MS = DEFAULT_MICROVM_TIMINGS.shutdownTimeoutMs + 5_000 + 2_000;

/** How often the node process checks that its node still serves (a failed disk stops it). */
const HEALTH_CHECK_INTERVAL_MS = 1_000;

export interface NodeProcessIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopRequested: Promise<string>;
  /** Human log lines (with colour) when no --log-format is given; JSON otherwise. */
  readonly stderrIsTerminal?: boolean;
}

/** The host this node offers to the cluster: its id, reachable address, capacity and backend. */
export function hostConfigFor(launch: NodeLaunch, url: string): HostConfig {
  return {
    ...defaultHostConfig(launch.nodeId, launch.backend),
    address: url,
    capacity: launch.capacity,
    features: launch.features,
    ...(launch.microvmNix === null ? {} : { launchOptions: { microvmNix: launch.microvmNix }, stopGraceMs: MICROVM_NIX_STOP_GRACE_MS }),
  };
}

/**
 * `blixard node`: bind the real runtime, start the node with its host
 * services, serve until a signal or a failure. Returns the exit code.
 */
export async function runNode(launch: NodeLaunch, io: NodeProcessIo): Promise<number> {
  const terminal = io.stderrIsTerminal === true;
  const log = new NodeLog(launch.nodeId, launch.logFormat ?? (terminal ? "text" : "json"), launch.logLevel, io, { color: terminal });
  const trace = launch.traceFile === null ? null : JsonLinesTracer.toFile(launch.nodeId, launch.traceFile);
  const tracer: Tracer = trace === null ? log.tracer() : teeTracer(trace.tracer, log.tracer());
  const metrics = new NodeMetrics(launch.nodeId);
  // /metrics, /health, /ready and /status on the node's own port, like etcd's client URL; answered once the node exists.
  let serveHttp: ReturnType<typeof nodeHttpHandler> | null = null;
  let runtime: RealRuntime;
  try {
    runtime = await createRealRuntime({
      nodeId: launch.nodeId,
      dataDir: launch.dataDir,
      clusterId: launch.clusterId,
      listen: launch.listen,
      peers: launch.peers,
      tracer,
      net: {
        observer: metrics.net,
        httpHandler: (request, response) => {
          if (serveHttp !== null) serveHttp(request, response);
          else response.writeHead(503, { "content-type": "text/plain", connection: "close" }).end("starting\n");
        },
      },
      disk: { onSync: metrics.onSync },
    });
  } catch (error) {
    const hint =
      error instanceof DataDirLockedError
        ? "stop that process first (its lock goes when it exits, however it exits), or give this node its own --data-dir"
        : "is the --listen port in use, or the --data-dir unwritable?";
    log.error(`blixard node ${launch.nodeId}: cannot start: ${error instanceof Error ? error.message : String(error)}`, { hint });
    await trace?.close();
    return 1;
  }
  // A joiner starts with no configuration and never campaigns: the cluster adds it (cluster add-node).
  const voters = launch.join ? [] : [launch.nodeId, ...Object.keys(launch.peers)].sort();
  const advertise = advertisedAddress(launch, runtime.url);
  const hosts = hostServices(hostConfigFor(launch, advertise ?? runtime.url), defaultSupervisorConfig());
  const peers = peerDirectoryServices({ advertiseAddress: advertise, publishIntervalTicks: defaultPublishIntervalTicks });
  const started = new BlixardNode(runtime, { ...defaultNodeConfig(launch.nodeId, voters), readMode: launch.readMode }, {
    services: (n) => [...hosts(n), ...peers(n)],
    observer: metrics.node,
  });
  registerNodeGauges(metrics.registry, started, runtime.net);
  serveHttp = nodeHttpHandler(started, metrics.registry);
  const startedOk = started.start();
  if (!startedOk.ok) {
    printFailure(log, launch.nodeId, "refused to start", startedOk.error);
    await runtime.close();
    await trace?.close();
    return 1;
  }
  const status = started.raftStatus();
  const recoveredVoters = status?.config.voters ?? voters;
  log.info(
    `blixard node ${launch.nodeId} serving on ${runtime.url} (cluster ${launch.clusterId}, data ${launch.dataDir}, backend ${launch.backend}); ` +
      `${recoveredVoters.length === 0 ? "no configuration yet: waiting to be added (blixard cluster add-node)" : `voters ${recoveredVoters.join(",")}`}; ` +
      `advertised as ${advertise ?? "nothing (wildcard listen host: give --advertise)"}; ` +
      `recovered term ${status?.term ?? 0}, log up to index ${status?.lastIndex ?? 0}, applied ${started.stateMachine.appliedIndex}`,
  );
  const httpUrl = runtime.url.replace(/^ws:/, "http:");
  let metricsServer: { url: string; close: () => Promise<void> } | null = null;
  if (launch.metricsListen !== null) {
    try {
      metricsServer = await startMetricsServer(serveHttp, launch.metricsListen);
    } catch (error) {
      log.warn(`blixard node ${launch.nodeId}: metrics address ${launch.metricsListen.host}:${launch.metricsListen.port} unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  log.info(`metrics on ${httpUrl}/metrics${metricsServer === null ? "" : ` and ${metricsServer.url}/metrics`}; health on /health and /ready, status on /status`);
  const ended = await Promise.race([io.stopRequested.then((signal) => ({ signal })), failedHealth(started)]);
  started.stop();
  await metricsServer?.close();
  await runtime.close();
  await trace?.close();
  if ("signal" in ended) {
    log.info(`blixard node ${launch.nodeId} stopped (${ended.signal})`);
    return 0;
  }
  printFailure(log, launch.nodeId, "stopped serving", ended.failure);
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

function printFailure(log: NodeLog, nodeId: string, what: string, error: BlixardError): void {
  log.error(`blixard node ${nodeId} ${what}: ${error.code}: ${error.message}`, error.hint === undefined ? {} : { hint: error.hint });
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
