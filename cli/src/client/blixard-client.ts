import {
  blixardError,
  ClusterClient,
  err,
  ok,
  type BlixardError,
  type ClientOp,
  type Result,
  type TraceFields,
  type Tracer,
} from "@blixard/core";
import { CryptoRandom, SystemClock, WsNet } from "@blixard/runtime-real";
import type { ClusterEndpoint } from "./cluster-endpoints";
import { discoverNodeId } from "./discover-node-id";

export interface ClientOptions {
  readonly endpoints: readonly ClusterEndpoint[];
  readonly clusterId: string;
  /** Whole-operation budget: retries and leader discovery included. */
  readonly timeoutMs: number;
  /** Print transport warnings (dial failures...) to stderr as they happen. */
  readonly verbose?: boolean;
}

/** An operation that failed; `definite` false means a write may still apply (at most once). */
export interface OpFailure extends BlixardError {
  readonly definite: boolean;
}

/** What the handshake said about each listed node. */
export interface EndpointReach {
  readonly url: string;
  readonly nodeId: string | null;
  readonly reachable: boolean;
  readonly error: BlixardError | null;
  readonly handshakeMs: number;
}

const WARNINGS_KEPT_MAX = 16;
const ATTEMPTS_MAX = 64;

/**
 * A promise-shaped client over core's ClusterClient on real ports: WsNet as a
 * dial-only client endpoint, the system clock, OS randomness. One operation at
 * a time, like the ClusterClient it wraps.
 */
export class BlixardClient {
  private abandoned = false;

  private constructor(
    private readonly net: WsNet,
    private readonly clock: SystemClock,
    private readonly client: ClusterClient,
    private readonly warnings: WarningLog,
    readonly reach: readonly EndpointReach[],
    private readonly timeoutMs: number,
  ) {}

  /** Learn node ids (handshake) where the list gives none, then open the client endpoint. */
  static async connect(options: ClientOptions): Promise<Result<BlixardClient>> {
    const random = new CryptoRandom();
    const warnings = new WarningLog(options.verbose === true);
    const net = await WsNet.startClient({ clusterId: options.clusterId, tracer: warnings, random, handshakeTimeoutMs: Math.min(options.timeoutMs, 5_000) });
    const reach = await probeEndpoints(options, `${net.selfId}-probe`);
    const known = reach.filter((r) => r.nodeId !== null);
    if (known.length === 0) {
      await net.close();
      const why = reach.map((r) => r.error?.message ?? r.url).join("; ");
      return err(blixardError("cluster-unreachable", `no listed node could be reached: ${why}`, { hint: "check --cluster and that the nodes are running" }));
    }
    for (const r of known) if (r.nodeId !== null) net.addPeer(r.nodeId, r.url);
    const clock = new SystemClock();
    const attemptTimeoutMs = Math.min(1_000, Math.max(100, Math.floor(options.timeoutMs / 4)));
    const client = new ClusterClient(
      { clientId: net.selfId, clock, random, net },
      { nodes: known.flatMap((r) => (r.nodeId === null ? [] : [r.nodeId])), attemptTimeoutMs, maxAttempts: ATTEMPTS_MAX, retryBackoffMs: 100 },
    );
    return ok(new BlixardClient(net, clock, client, warnings, reach, options.timeoutMs));
  }

  /** The node the client last heard an answer from (the leader, or a follower that forwarded). */
  get lastAnswered(): string | null {
    return this.client.leader;
  }

  run(op: ClientOp): Promise<Result<unknown, OpFailure>> {
    if (this.abandoned || this.client.busy) {
      return Promise.resolve(err({ ...blixardError("client-busy", "an earlier operation of this client timed out and is still being retried"), definite: false }));
    }
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        this.abandoned = true;
        resolve(err({ ...this.gaveUp(), definite: false }));
      }, this.timeoutMs);
      this.client.submit(op, (outcome) => {
        clearTimeout(deadline);
        if (outcome.kind === "ok") resolve(ok(outcome.result));
        else resolve(err({ ...outcome.error, ...this.dialContext(outcome.error), definite: outcome.definite }));
      });
    });
  }

  async close(): Promise<void> {
    this.clock.close();
    await this.net.close();
  }

  private gaveUp(): BlixardError {
    return blixardError("timeout", `no answer from the cluster within ${this.timeoutMs} ms${this.warnings.summary()}`, {
      hint: "a write may still apply (at most once); check with a read, or raise --timeout-ms",
    });
  }

  private dialContext(error: BlixardError): Partial<BlixardError> {
    return error.code === "timeout" ? { message: `${error.message}${this.warnings.summary()}` } : {};
  }
}

async function probeEndpoints(options: ClientOptions, probeId: string): Promise<EndpointReach[]> {
  const timeoutMs = Math.min(options.timeoutMs, 3_000);
  return Promise.all(
    options.endpoints.map(async (endpoint): Promise<EndpointReach> => {
      const startedMs = performance.now();
      const found = await discoverNodeId({ url: endpoint.url, clusterId: options.clusterId, selfId: probeId, timeoutMs });
      const handshakeMs = Math.round(performance.now() - startedMs);
      if (!found.ok) return { url: endpoint.url, nodeId: endpoint.nodeId, reachable: false, error: found.error, handshakeMs };
      if (endpoint.nodeId !== null && endpoint.nodeId !== found.value) {
        const error = blixardError("peer-identity-mismatch", `--cluster says ${endpoint.url} is ${endpoint.nodeId}, but the node there is ${found.value}`);
        return { url: endpoint.url, nodeId: null, reachable: true, error, handshakeMs };
      }
      return { url: endpoint.url, nodeId: found.value, reachable: true, error: null, handshakeMs };
    }),
  );
}

/** The client's tracer: keeps the last few transport warnings to explain a timeout. */
class WarningLog implements Tracer {
  private readonly kept: string[] = [];

  constructor(private readonly verbose: boolean) {}

  event(): void {}

  warn(kind: string, fields?: TraceFields): void {
    const text = `${kind}${fields?.["error"] !== undefined ? `: ${String(fields["error"])}` : ""}`;
    if (this.verbose) process.stderr.write(`blixard: ${text}\n`);
    if (this.kept.includes(text)) return;
    this.kept.push(text);
    if (this.kept.length > WARNINGS_KEPT_MAX) this.kept.shift();
  }

  summary(): string {
    return this.kept.length === 0 ? "" : ` (transport: ${this.kept.slice(-3).join("; ")})`;
  }
}
