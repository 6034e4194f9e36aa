import {
  blixardError,
  err,
  HOST_DISK_GIB_MAX,
  HOST_FEATURES_MAX,
  HOST_MEMORY_MIB_MAX,
  HOST_VCPUS_MAX,
  ok,
  PEER_ADDRESS_LENGTH_MAX,
  type BlixardError,
  type LaunchBackend,
  type MicrovmNixOptions,
  NODE_READ_MODES,
  type NodeReadMode,
  type Resources,
  type Result,
} from "@blixard/core";
import { checkPeerUrl, checkWsUrl } from "../client/cluster-endpoints";
import { parseMicrovmNixArgs, type RawMicrovmNixArgs } from "./microvm-nix-args";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./node-log";

/** `blixard node` flags as yargs hands them over (unchecked). */
export interface RawNodeArgs extends RawMicrovmNixArgs {
  readonly id?: unknown;
  readonly listen?: unknown;
  readonly peer?: unknown;
  readonly dataDir?: unknown;
  readonly clusterId?: unknown;
  readonly backend?: unknown;
  readonly vcpus?: unknown;
  readonly memoryMib?: unknown;
  readonly diskGib?: unknown;
  readonly feature?: unknown;
  readonly metricsPort?: unknown;
  readonly metricsListen?: unknown;
  readonly logFormat?: unknown;
  readonly logLevel?: unknown;
  readonly traceFile?: unknown;
  readonly readMode?: unknown;
  readonly join?: unknown;
  readonly advertise?: unknown;
}

/** Everything needed to start one node, checked. */
export interface NodeLaunch {
  readonly nodeId: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** Other nodes: node id → ws://host:port. The bootstrap voters too, unless `join`. */
  readonly peers: Readonly<Record<string, string>>;
  /**
   * Start with an empty bootstrap configuration: the node waits to be added
   * (cluster add-node) and `peers` are only addresses. Ignored once the node
   * has durable state: its log's configuration wins.
   */
  readonly join: boolean;
  /**
   * The URL other nodes reach this one at, published to the replicated peer
   * directory; null derives it from the bound listen address (none for a
   * wildcard listen host).
   */
  readonly advertise: string | null;
  readonly dataDir: string;
  readonly clusterId: string;
  readonly backend: Exclude<LaunchBackend, "sim">;
  readonly capacity: Resources;
  readonly features: readonly string[];
  /** How microvm-nix builds runners here; null for other backends. */
  readonly microvmNix: MicrovmNixOptions | null;
  /** A dedicated address for /metrics, /health, /ready, /status (they are served on the listen port regardless). */
  readonly metricsListen: { readonly host: string; readonly port: number } | null;
  /** null: json unless stderr is a terminal (decided where the log is made). */
  readonly logFormat: LogFormat | null;
  readonly logLevel: LogLevel;
  readonly traceFile: string | null;
  /** Linearizable read path; every node of a cluster must use the same one. */
  readonly readMode: NodeReadMode;
}

export const NODE_BACKENDS = ["process", "qemu-direct", "microvm-nix"] as const;
/** A static cluster this big is a mistake; Raft clusters are 3, 5 or 7 voters. */
export const NODE_PEERS_MAX = 15;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FEATURE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Check every `blixard node` flag; the first problem is returned as a usage error naming the flag. */
export function parseNodeArgs(raw: RawNodeArgs): Result<NodeLaunch> {
  const nodeId = String(raw.id ?? "");
  if (!NODE_ID.test(nodeId)) return bad(`--id must be 1-128 of [A-Za-z0-9._-] starting with a letter or digit, got ${show(raw.id)}`);
  const listen = parseListen(raw.listen);
  if (!listen.ok) return listen;
  const peers = parsePeers(raw.peer, nodeId);
  if (!peers.ok) return peers;
  const dataDir = typeof raw.dataDir === "string" ? raw.dataDir.trim() : "";
  if (dataDir === "") return bad("--data-dir is required: the directory holding this node's durable state");
  const clusterId = String(raw.clusterId ?? "blixard");
  if (!NODE_ID.test(clusterId)) return bad(`--cluster-id must be 1-128 of [A-Za-z0-9._-], got ${show(raw.clusterId)}`);
  const backend = raw.backend ?? "process";
  if (!NODE_BACKENDS.includes(backend as never)) return bad(`--backend must be one of ${NODE_BACKENDS.join(", ")}, got ${show(backend)}`);
  const capacity = parseCapacity(raw);
  if (!capacity.ok) return capacity;
  const features = parseFeatures(raw.feature);
  if (!features.ok) return features;
  const metricsListen = parseMetricsListen(raw);
  if (!metricsListen.ok) return metricsListen;
  const logFormat = raw.logFormat ?? null;
  if (logFormat !== null && !LOG_FORMATS.includes(logFormat as never)) return bad(`--log-format must be one of ${LOG_FORMATS.join(", ")}, got ${show(raw.logFormat)}`);
  const logLevel = raw.logLevel ?? "info";
  if (!LOG_LEVELS.includes(logLevel as never)) return bad(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${show(raw.logLevel)}`);
  const microvmNix = parseMicrovmNixArgs(raw);
  if (!microvmNix.ok) return microvmNix;
  const traceFile = typeof raw.traceFile === "string" && raw.traceFile !== "" ? raw.traceFile : null;
  if (raw.join !== undefined && typeof raw.join !== "boolean") return bad(`--join is a flag (true or false), got ${show(raw.join)}`);
  const advertise = parseAdvertise(raw.advertise);
  if (!advertise.ok) return advertise;
  const readMode = raw.readMode ?? "read-index";
  if (!NODE_READ_MODES.includes(readMode as never)) return bad(`--read-mode must be one of ${NODE_READ_MODES.join(", ")}, got ${show(raw.readMode)}`);
  return ok({
    nodeId,
    listen: listen.value,
    peers: peers.value,
    join: raw.join === true,
    advertise: advertise.value,
    dataDir,
    clusterId,
    backend: backend as NodeLaunch["backend"],
    capacity: capacity.value,
    features: features.value,
    microvmNix: microvmNix.value,
    metricsListen: metricsListen.value,
    logFormat: logFormat as LogFormat | null,
    logLevel: logLevel as LogLevel,
    traceFile,
    readMode: readMode as NodeLaunch["readMode"],
  });
}

function parseListen(value: unknown, flag = "--listen"): Result<{ host: string; port: number }> {
  const text = typeof value === "string" ? value : "";
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !isPort(port, 0)) return bad(`${flag} must look like 127.0.0.1:7001 (host:port, port 0-65535), got ${show(value)}`);
  return ok({ host: (match[1] ?? "").replace(/^\[|\]$/g, ""), port });
}

/** --metrics-listen host:port, or the older --metrics-port N (127.0.0.1:N); not both. */
function parseMetricsListen(raw: RawNodeArgs): Result<{ host: string; port: number } | null> {
  if (raw.metricsListen !== undefined && raw.metricsPort !== undefined) return bad("--metrics-listen and --metrics-port say the same thing; give one");
  if (raw.metricsListen !== undefined) return parseListen(raw.metricsListen, "--metrics-listen");
  if (raw.metricsPort === undefined) return ok(null);
  if (!isPort(raw.metricsPort, 1)) return bad(`--metrics-port must be a port from 1 to 65535, got ${show(raw.metricsPort)}`);
  return ok({ host: "127.0.0.1", port: raw.metricsPort });
}

function parseAdvertise(value: unknown): Result<string | null> {
  if (value === undefined) return ok(null);
  const url = checkPeerUrl(String(value));
  if (!url.ok || url.value.length > PEER_ADDRESS_LENGTH_MAX) {
    return bad(`--advertise must look like ws://host:port or wss://host:port (how other nodes reach this one), got ${show(value)}${url.ok ? "" : `: ${url.error}`}`);
  }
  return ok(url.value);
}

/** Listen hosts that mean "every interface": no address another machine could dial. */
const WILDCARD_HOSTS = ["0.0.0.0", "::", ""];

/** The address to publish: --advertise, else the bound URL when the listen host is a real address. */
export function advertisedAddress(launch: Pick<NodeLaunch, "advertise" | "listen">, boundUrl: string): string | null {
  if (launch.advertise !== null) return launch.advertise;
  return WILDCARD_HOSTS.includes(launch.listen.host) ? null : boundUrl;
}

function parsePeers(value: unknown, selfId: string): Result<Record<string, string>> {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (items.length > NODE_PEERS_MAX) return bad(`--peer is given ${items.length} times; at most ${NODE_PEERS_MAX} peers are supported`);
  const peers: Record<string, string> = {};
  for (const item of items) {
    const text = String(item);
    const eq = text.indexOf("=");
    const id = eq < 0 ? "" : text.slice(0, eq);
    if (!NODE_ID.test(id)) return bad(`--peer must look like n2=ws://host:port, got ${show(item)}`);
    const url = checkWsUrl(text.slice(eq + 1));
    if (!url.ok) return bad(`--peer must look like n2=ws://host:port, got ${show(item)}: ${url.error}`);
    if (id === selfId) return bad(`--peer ${text} names this node itself (--id ${selfId}); list only the other nodes`);
    if (peers[id] !== undefined) return bad(`--peer names node ${id} twice`);
    peers[id] = url.value;
  }
  return ok(peers);
}

function parseCapacity(raw: RawNodeArgs): Result<Resources> {
  const vcpus = raw.vcpus ?? 16;
  const memoryMib = raw.memoryMib ?? 32 * 1024;
  const diskGib = raw.diskGib ?? 500;
  if (!isCount(vcpus, 1, HOST_VCPUS_MAX)) return bad(`--vcpus must be an integer from 1 to ${HOST_VCPUS_MAX}, got ${show(raw.vcpus)}`);
  if (!isCount(memoryMib, 1, HOST_MEMORY_MIB_MAX)) return bad(`--memory-mib must be an integer from 1 to ${HOST_MEMORY_MIB_MAX}, got ${show(raw.memoryMib)}`);
  if (!isCount(diskGib, 0, HOST_DISK_GIB_MAX)) return bad(`--disk-gib must be an integer from 0 to ${HOST_DISK_GIB_MAX}, got ${show(raw.diskGib)}`);
  return ok({ vcpus, memoryMib, diskGib });
}

function parseFeatures(value: unknown): Result<string[]> {
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (items.length > HOST_FEATURES_MAX) return bad(`--feature is given ${items.length} times; at most ${HOST_FEATURES_MAX}`);
  const features = new Set<string>();
  for (const item of items) {
    if (typeof item !== "string" || !FEATURE.test(item)) return bad(`--feature must be a name of [a-z0-9-] (e.g. kvm), got ${show(item)}`);
    features.add(item);
  }
  return ok([...features].sort());
}

function isPort(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= 65_535;
}

function isCount(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function show(value: unknown): string {
  const text = value === undefined ? "nothing" : typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function bad(message: string): Result<never, BlixardError> {
  return err(blixardError("usage", message, { hint: "see blixard node --help" }));
}
