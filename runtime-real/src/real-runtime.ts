import { join } from "node:path";
import { isRaftFrame, type EndpointId, type Runtime, type Tracer } from "@blixard/core";
import { ChildProcessSpawner, type ChildProcessSpawnerOptions } from "./child-process-spawner";
import { CryptoRandom } from "./crypto-random";
import { DataDirLock } from "./data-dir-lock";
import { JsonLinesTracer } from "./json-tracer";
import { SqliteDisk, type SqliteDiskOptions } from "./sqlite-disk";
import { SystemClock } from "./system-clock";
import { WsNet, type WsNetOptions } from "./ws-net";

/**
 * The Runtime ports bound to this machine: system clock, OS randomness,
 * WebSockets, SQLite, child processes, JSON-lines trace.
 */
export interface RealRuntimeOptions {
  readonly nodeId: string;
  /** Created if missing; holds disk.sqlite and LOCK (held by this process until close; see data-dir-lock.ts). */
  readonly dataDir: string;
  readonly clusterId?: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** Other nodes: node id → "ws://127.0.0.1:port". This node's own entry is ignored. */
  readonly peers: Readonly<Record<EndpointId, string>>;
  /** Seed for a reproducible RandomSource in tests; omit in production. */
  readonly randomSeed?: number;
  /** Where trace lines go; defaults to one JSON line per event on stderr. */
  readonly tracer?: Tracer;
  /** Transport tunables, the urgent-frame predicate and the metrics observer (identity, listen and peers come from above). */
  readonly net?: Omit<WsNetOptions, "selfId" | "clusterId" | "tracer" | "random" | "listen" | "peers">;
  readonly spawner?: Partial<Omit<ChildProcessSpawnerOptions, "nodeId" | "tracer">>;
  /** SQLite tunables and the sync observer (metrics). */
  readonly disk?: Omit<SqliteDiskOptions, "nodeId" | "path">;
}

export interface RealRuntime extends Runtime {
  readonly clock: SystemClock;
  readonly random: CryptoRandom;
  readonly net: WsNet;
  readonly disk: SqliteDisk;
  readonly spawner: ChildProcessSpawner;
  /** ws:// URL peers and clients use to reach this node. */
  readonly url: string;
  /** Stop timers, kill children, close connections, commit and close the disk. Idempotent. */
  close(): Promise<void>;
  /** Like close(), but the disk loses its unsynced writes, as if the process had died. */
  crash(): Promise<void>;
}

export const DEFAULT_CLUSTER_ID = "blixard";

export async function createRealRuntime(options: RealRuntimeOptions): Promise<RealRuntime> {
  const { nodeId } = options;
  const tracer = options.tracer ?? new JsonLinesTracer({ nodeId, writeLine: (line) => process.stderr.write(`${line}\n`) });
  // Before anything in the directory is read: a second process must not even open the database.
  const lock = DataDirLock.acquire(options.dataDir, nodeId);
  let disk: SqliteDisk;
  try {
    disk = SqliteDisk.open({ ...options.disk, nodeId, path: join(options.dataDir, "disk.sqlite") });
  } catch (error) {
    lock.release();
    throw error;
  }
  const clock = new SystemClock();
  const random = new CryptoRandom(options.randomSeed === undefined ? {} : { seed: options.randomSeed });
  // Each VM's state directory (microvm.nix's /var/lib/microvms/<name> layout) lives under <data-dir>/vms.
  const spawner = new ChildProcessSpawner({ vmStateRoot: join(options.dataDir, "vms"), ...options.spawner, nodeId, tracer });
  let net: WsNet;
  try {
    net = await WsNet.start({
      // A node's Raft traffic never waits behind client traffic (WsNet delivers urgent frames from peers at once).
      urgent: isRaftFrame,
      ...options.net,
      selfId: nodeId,
      clusterId: options.clusterId ?? DEFAULT_CLUSTER_ID,
      tracer,
      random,
      listen: options.listen,
      peers: withoutSelf(options.peers, nodeId),
    });
  } catch (error) {
    // The port may be taken: release what was opened before reporting it.
    clock.close();
    await spawner.close();
    disk.close();
    lock.release();
    throw error;
  }
  const bound = net.address();
  const url = `ws://${formatHost(bound?.host ?? options.listen.host)}:${bound?.port ?? options.listen.port}`;
  let closing: Promise<void> | undefined;
  const shutdown = (diskEnd: () => void) => {
    closing ??= (async () => {
      clock.close();
      await spawner.close();
      await net.close();
      diskEnd();
      lock.release();
    })();
    return closing;
  };
  tracer.event("runtime.started", { url, dataDir: options.dataDir });
  return {
    nodeId, clock, random, net, disk, spawner, tracer, url,
    close: () => shutdown(() => disk.close()),
    crash: () => shutdown(() => disk.crash()),
  };
}

function withoutSelf(peers: Readonly<Record<EndpointId, string>>, nodeId: string): Record<EndpointId, string> {
  return Object.fromEntries(Object.entries(peers).filter(([peerId]) => peerId !== nodeId));
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
