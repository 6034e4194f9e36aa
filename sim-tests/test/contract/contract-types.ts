import type { Disk, LaunchSpec, ProcessEvent, ProcessHandle, Runtime } from "@blixard/core";

/** Launch specs the spawner cases need, in the form this runtime understands. */
export interface ContractLaunches {
  /** Starts, prints at least one line, reaches "booted", and runs until stopped or killed. */
  readonly longRunning: LaunchSpec;
  /** Cannot start at all: must end in exactly one "spawn-failed". */
  readonly failsToSpawn: LaunchSpec;
  /** Prints `lines`, then exits by itself with `exitCode`; omit if the runtime cannot model that. */
  readonly exitsByItself?: { readonly launch: LaunchSpec; readonly lines: readonly string[]; readonly exitCode: number };
}

/** A set of runtimes, one per node id, sharing one world (a Simulation, or loopback). */
export interface ContractCluster {
  /** The node's current runtime (a new one after reopenDisk). */
  runtime(nodeId: string): Runtime;
  /** Let `ms` of time pass: virtual time in the simulator, real time on a real runtime. */
  settle(ms: number): Promise<void>;
  /** The node's process dies: every write since its last sync() is lost. */
  crash(nodeId: string): Promise<void>;
  /** Bring the node back over the same disk (after crash(), or as a restart) and return that disk. */
  reopenDisk(nodeId: string): Promise<Disk>;
  /** Release everything: processes, sockets, files. */
  cleanup(): Promise<void>;
}

export interface RuntimeFactory {
  create(nodeIds: readonly string[]): Promise<ContractCluster>;
  /** The net's payload limit: a payload of maxMessageBytes + 1 must be dropped. */
  readonly maxMessageBytes: number;
  /** How long (in the runtime's time) any expected event may take to happen. */
  readonly patienceMs: number;
  readonly launches: ContractLaunches;
}

/** What each case file receives: a fresh cluster per test, cleaned up after it. */
export interface ContractContext {
  readonly factory: RuntimeFactory;
  cluster(nodeIds: readonly string[]): Promise<ContractCluster>;
}

/** Settle in steps of `stepMs` until `condition` holds; fails after `maxMs`. Bounded in steps. */
export async function eventually(cluster: ContractCluster, condition: () => boolean, maxMs: number, what: string, stepMs = 10): Promise<void> {
  const steps = Math.ceil(maxMs / stepMs);
  for (let step = 0; step < steps && !condition(); step++) await cluster.settle(stepMs);
  if (!condition()) throw new Error(`contract: ${what} did not happen within ${maxMs} ms`);
}

/** Spawn through the port and record every event in arrival order. */
export function spawnRecorded(runtime: Runtime, vmName: string, launch: LaunchSpec) {
  const events: ProcessEvent[] = [];
  const handle: ProcessHandle = runtime.spawner.spawn({ vmName, generation: 1, launch }, (event) => events.push(event));
  const kinds = () => events.map((event) => event.kind);
  const terminal = () => events.filter((event) => event.kind === "exited" || event.kind === "spawn-failed");
  return { handle, events, kinds, terminal };
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const fromUtf8 = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
