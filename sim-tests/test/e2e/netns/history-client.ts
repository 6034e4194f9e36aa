/**
 * Jepsen-style client host for the real-process fault tests, run as its own
 * process (inside a lab namespace, by `ip netns exec`): `clients` logical
 * clients issue reads, writes and cas one at a time on a few keys through
 * BlixardClient and record every operation (invoke, then ok / fail / info)
 * with the host's monotonic clock in nanoseconds, which every process on the
 * machine shares, so histories from several hosts merge on one time axis.
 * A client whose operation ended indeterminate (info) is replaced by a new
 * one with a new process number, as in Jepsen. It prints "ready" once each of its
 * clients has connected, stops issuing on a "stop" line on stdin (or after
 * `maxDurationMs`), waits for the operations in flight, writes the history as
 * JSON lines to `historyPath` and exits 0.
 *
 *   node --import tsx history-client.ts '{"urls":[...],"clients":4,...}'
 *
 * With "finalReads": true it instead reads every key once, retrying until a
 * read succeeds (bounded), and records those reads.
 */
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { KvCasResult, KvGetResult } from "@blixard/core";
import { encodeHistoryJsonLines, type HistoryEvent, type OperationFunction, type RegisterValue } from "@blixard/runtime-sim";
import { BlixardClient } from "../../../../cli/src/client/blixard-client";

export interface HistoryClientArgs {
  readonly urls: readonly string[];
  readonly clients: number;
  /** Process numbers start here, so hosts never share one. */
  readonly processBase: number;
  readonly keys: readonly string[];
  readonly opTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly historyPath: string;
  readonly finalReads?: boolean;
}

const RECONNECT_PAUSE_MS = 300;
const FINAL_READ_ATTEMPTS_MAX = 20;

const args = JSON.parse(process.argv[2] ?? "{}") as HistoryClientArgs;
const events: HistoryEvent[] = [];
const nowNs = () => Number(process.hrtime.bigint());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stopping = false;
let nextProcess = args.processBase;
let writes = 0;
let connectedOnce = 0;

function record(processNumber: number, type: HistoryEvent["type"], f: OperationFunction, key: string, value: RegisterValue | readonly [RegisterValue, RegisterValue]): void {
  events.push({ process: processNumber, type, f, key, value: value as HistoryEvent["value"], time: nowNs() });
}

async function connect(): Promise<BlixardClient | null> {
  const connected = await BlixardClient.connect({ endpoints: args.urls.map((url) => ({ nodeId: null, url })), clusterId: "blixard", timeoutMs: args.opTimeoutMs });
  return connected.ok ? connected.value : null;
}

/** One op; returns false when its outcome was indeterminate (the client must be replaced). */
async function oneOp(client: BlixardClient, processNumber: number, lastSeen: Map<string, string | null>): Promise<boolean> {
  const key = args.keys[Math.floor(Math.random() * args.keys.length)] ?? "k0";
  const roll = Math.random();
  if (roll < 0.4) {
    record(processNumber, "invoke", "read", key, null);
    const got = await client.run({ module: "kv", command: { type: "get", key } });
    if (got.ok) {
      const value = (got.value as KvGetResult).entry?.value ?? null;
      lastSeen.set(key, value);
      record(processNumber, "ok", "read", key, value);
    } else record(processNumber, "fail", "read", key, null); // a read changes nothing: failed is a no-op
    return got.ok || got.error.definite;
  }
  const value = `p${processNumber}-${++writes}`;
  if (roll < 0.6) {
    const expected = lastSeen.get(key) ?? null;
    record(processNumber, "invoke", "cas", key, [expected, value]);
    const swapped = await client.run({ module: "kv", command: { type: "cas", key, expected, value } });
    if (swapped.ok) record(processNumber, (swapped.value as KvCasResult).swapped ? "ok" : "fail", "cas", key, [expected, value]);
    else record(processNumber, swapped.error.definite ? "fail" : "info", "cas", key, [expected, value]);
    return swapped.ok || swapped.error.definite;
  }
  record(processNumber, "invoke", "write", key, value);
  const put = await client.run({ module: "kv", command: { type: "put", key, value } });
  record(processNumber, put.ok ? "ok" : put.error.definite ? "fail" : "info", "write", key, value);
  return put.ok || put.error.definite;
}

async function clientLoop(): Promise<void> {
  while (!stopping) {
    const client = await connect();
    if (client === null) {
      await sleep(RECONNECT_PAUSE_MS);
      continue;
    }
    const processNumber = nextProcess++;
    const lastSeen = new Map<string, string | null>();
    if (++connectedOnce === args.clients) process.stdout.write("ready\n");
    try {
      while (!stopping && (await oneOp(client, processNumber, lastSeen)));
    } finally {
      await client.close();
    }
    if (!stopping) await sleep(RECONNECT_PAUSE_MS);
  }
}

async function finalReads(): Promise<void> {
  const client = await connect();
  if (client === null) throw new Error("final reads: no node could be reached");
  try {
    for (const key of args.keys) {
      for (let attempt = 1; attempt <= FINAL_READ_ATTEMPTS_MAX; attempt++) {
        // Each attempt is its own process: a failed read is recorded and the next one starts clean.
        const processNumber = nextProcess++;
        record(processNumber, "invoke", "read", key, null);
        const got = await client.run({ module: "kv", command: { type: "get", key } });
        if (got.ok) {
          record(processNumber, "ok", "read", key, (got.value as KvGetResult).entry?.value ?? null);
          break;
        }
        record(processNumber, "fail", "read", key, null);
        await sleep(RECONNECT_PAUSE_MS);
      }
    }
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  if (args.finalReads === true) {
    await finalReads();
  } else {
    createInterface({ input: process.stdin }).on("line", (line) => {
      if (line.trim() === "stop") stopping = true;
    });
    setTimeout(() => (stopping = true), args.maxDurationMs).unref();
    await Promise.all(Array.from({ length: args.clients }, () => clientLoop()));
  }
  writeFileSync(args.historyPath, encodeHistoryJsonLines(events));
  process.exit(0);
}

await main();
