/**
 * A load worker: a child process of the cluster bench (and the soak) that holds
 * the clients of one system and runs closed-loop phases on command (IPC), so the
 * clients' CPU is separate from the parent's bookkeeping and each system's
 * client stays warm across phases. Started with a WorkerStart as JSON in argv[2].
 *
 * Blixard: one BlixardClient per closed-loop client (its own connection and
 * session; it finds the leader itself). etcd: one etcd3 client (one gRPC
 * connection, requests multiplexed, as etcd's own benchmark tool does by
 * default); puts, and gets that are linearizable (etcd's default range read).
 */
import { Etcd3 } from "etcd3";
import { BlixardClient } from "../../../cli/src/client/blixard-client";
import { benchKey, benchValue, keyPicker } from "./workload";
import type { PhaseCommand, PhaseResult, WorkerCommand, WorkerReply, WorkerStart } from "./worker-protocol";

const CLIENT_TIMEOUT_MS = 10_000;
/** Bounds the samples one phase keeps (a soak of 200k writes fits). */
const LATENCY_SAMPLES_MAX = 1_000_000;

type OneOp = (op: "put" | "get", key: string, value: string) => Promise<string | null>;

interface Clients {
  /** One function per closed-loop client; it resolves to an error message, or null when the op was ok. */
  readonly ops: OneOp[];
  close(): Promise<void>;
}

async function openBlixard(start: WorkerStart): Promise<Clients> {
  const clients: BlixardClient[] = [];
  for (let i = 0; i < start.clientsMax; i++) {
    const connected = await BlixardClient.connect({ endpoints: start.endpoints.map((url) => ({ nodeId: null, url })), clusterId: "blixard", timeoutMs: CLIENT_TIMEOUT_MS, waitForAllProbes: true });
    if (!connected.ok) throw new Error(connected.error.message);
    clients.push(connected.value);
  }
  const ops = clients.map((client): OneOp => async (op, key, value) => {
    const outcome = await client.run(op === "put" ? { module: "kv", command: { type: "put", key, value } } : { module: "kv", command: { type: "get", key } });
    return outcome.ok ? null : `${outcome.error.code}: ${outcome.error.message}`;
  });
  return { ops, close: async () => void (await Promise.all(clients.map((c) => c.close()))) };
}

async function openEtcd(start: WorkerStart): Promise<Clients> {
  const client = new Etcd3({ hosts: [...start.endpoints] });
  const one: OneOp = async (op, key, value) => {
    try {
      if (op === "put") await client.put(key).value(value).exec();
      else await client.get(key).string();
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  // A first request opens the connection, so no phase pays for it.
  await client.get("warm-up").string();
  return { ops: Array.from({ length: start.clientsMax }, () => one), close: async () => client.close() };
}

async function runPhase(clients: Clients, command: PhaseCommand, writerTag: string): Promise<PhaseResult> {
  const latenciesUs: number[] = [];
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const startMs = performance.now();
  const endMs = startMs + command.durationMs;
  let lastOkMs = startMs;
  let gapMsMax = 0;
  let clientGapMsMax = 0;
  const pick = keyPicker(command.seed);
  const loop = async (clientIndex: number) => {
    const one = clients.ops[clientIndex];
    if (one === undefined) return;
    let clientLastOkMs = startMs;
    while (performance.now() < endMs && started < command.opsMax) {
      started++;
      const key = benchKey(pick());
      const value = command.op === "put" ? benchValue(`${writerTag}c${clientIndex}`, started) : "";
      const t0 = performance.now();
      const failed = await one(command.op, key, value);
      const t1 = performance.now();
      if (failed !== null) {
        errors++;
        firstError ??= failed;
        continue;
      }
      ops++;
      if (latenciesUs.length < LATENCY_SAMPLES_MAX) latenciesUs.push(Math.round((t1 - t0) * 1000));
      gapMsMax = Math.max(gapMsMax, t1 - lastOkMs);
      clientGapMsMax = Math.max(clientGapMsMax, t1 - clientLastOkMs);
      lastOkMs = t1;
      clientLastOkMs = t1;
    }
  };
  await Promise.all(Array.from({ length: command.clients }, (_, i) => loop(i)));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    kind: "result", op: command.op, clients: command.clients, ops, errors, firstError,
    elapsedMs: performance.now() - startMs, latenciesUs, gapMsMax, clientGapMsMax, workerCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const start = JSON.parse(process.argv[2] ?? "{}") as WorkerStart;
  const openedAt = performance.now();
  let clients: Clients;
  try {
    clients = start.system === "blixard" ? await openBlixard(start) : await openEtcd(start);
  } catch (error) {
    reply({ kind: "failed", message: `could not open ${start.system} clients: ${error instanceof Error ? error.message : String(error)}` });
    process.exit(1);
  }
  reply({ kind: "ready", openMs: performance.now() - openedAt });
  const writerTag = `w${process.pid}`;
  // One command at a time: the parent waits for each result before sending the next.
  process.on("message", (command: WorkerCommand) => {
    if (command.kind === "close") {
      void clients.close().finally(() => process.exit(0));
      return;
    }
    void runPhase(clients, command, writerTag).then(reply, (error: unknown) => reply({ kind: "failed", message: String(error) }));
  });
  // The parent gone means nobody needs this load any more.
  process.on("disconnect", () => process.exit(0));
}

await main();
