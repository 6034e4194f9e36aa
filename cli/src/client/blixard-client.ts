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
/** An operation is failed with `no-quorum`, naming the nodes, once it has run this long without a reachable majority. */
const NO_QUORUM_REPORT_MS = 3_000;
/** After the first node identifies itself, the others get this long before the client starts without them. */
const PROBE_GRACE_MS = 100;
/** A listed node that could not be identified is asked again after this, doubling up to the max. */
const REPROBE_DELAY_MS_INITIAL = 200;
const REPROBE_DELAY_MS_MAX = 2_000;

/**
 * A promise-shaped client over core's ClusterClient on real ports: WsNet as a
 * dial-only client endpoint, the system clock, OS randomness. One operation at
 * a time, like the ClusterClient it wraps.
 */
export class BlixardClient {
  private abandoned = false;
  private closed = false;
  private reprobeTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly net: WsNet,
    private readonly clock: SystemClock,
    private readonly client: ClusterClient,
    private readonly warnings: WarningLog,
    readonly reach: readonly EndpointReach[],
    private readonly timeoutMs: number,
    private readonly probing: AbortController,
  ) {}

  /**
   * Learn node ids (handshake) where the list gives none, then open the client
   * endpoint. It starts once every listed node answered or failed, or
   * PROBE_GRACE_MS after the first answered (`waitForAllProbes` waits for all,
   * for a report on every node); nodes identified later, or only on a retry
   * while an operation runs, join the candidates then: every listed node
   * stays one.
   */
  static async connect(options: ClientOptions & { readonly waitForAllProbes?: boolean }): Promise<Result<BlixardClient>> {
    const random = new CryptoRandom();
    const warnings = new WarningLog(options.verbose === true);
    const net = await WsNet.startClient({
      clusterId: options.clusterId,
      tracer: warnings,
      random,
      handshakeTimeoutMs: Math.min(options.timeoutMs, 5_000),
      // A refused dial fails the attempt (the client retries elsewhere); the request must not linger for a redial.
      dropQueuedOnDialFailure: true,
    });
    const probeId = `${net.selfId}-probe`;
    // Probes still running when the client closes are abandoned, so they never hold the process open.
    const probing = new AbortController();
    const reach: EndpointReach[] = options.endpoints.map((e) => ({ url: e.url, nodeId: e.nodeId, reachable: false, error: null, handshakeMs: 0 }));
    const probes = options.endpoints.map((endpoint, i) => probeEndpoint(options, endpoint, probeId, probing.signal).then((found) => (reach[i] = found)));
    const firstFound = new Promise<void>((resolve) => void Promise.all(probes.map((p) => p.then((r) => r.nodeId !== null && r.error === null && resolve()))));
    await Promise.race([Promise.all(probes), options.waitForAllProbes === true ? new Promise(() => {}) : firstFound.then(() => sleep(PROBE_GRACE_MS))]);
    const known = () => reach.filter(isCandidate);
    if (known().length === 0) {
      probing.abort();
      await net.close();
      const why = reach.map((r) => r.error?.message ?? r.url).join("; ");
      return err(blixardError("cluster-unreachable", `no listed node could be reached: ${why}`, { hint: "check --cluster and that the nodes are running" }));
    }
    for (const r of known()) if (r.nodeId !== null) net.addPeer(r.nodeId, r.url);
    const clock = new SystemClock();
    const attemptTimeoutMs = Math.min(1_000, Math.max(100, Math.floor(options.timeoutMs / 4)));
    const client = new ClusterClient(
      { clientId: net.selfId, clock, random, net },
      {
        nodes: known().flatMap((r) => (r.nodeId === null ? [] : [r.nodeId])),
        attemptTimeoutMs,
        maxAttempts: ATTEMPTS_MAX,
        retryBackoffMs: 100,
        unreachableBackoffMsInitial: 100,
        unreachableBackoffMsMax: 2_000,
        overloadBackoffMsMax: 2_000,
        noQuorumReportMs: NO_QUORUM_REPORT_MS,
        unidentified: () => reach.filter((r) => !isCandidate(r)).map((r) => ({ label: r.url, reason: r.error?.message ?? "not identified yet" })),
      },
    );
    const blixard = new BlixardClient(net, clock, client, warnings, reach, options.timeoutMs, probing);
    // Probes still running: whoever answers joins the candidates.
    probes.forEach((probe, i) => void probe.then((found) => blixard.identified(found, options.endpoints[i])));
    blixard.reprobeLater(options, probeId, REPROBE_DELAY_MS_INITIAL);
    return ok(blixard);
  }

  /** A listed node answered its probe: dial it by id and make it a candidate. */
  private identified(found: EndpointReach, endpoint: ClusterEndpoint | undefined): void {
    if (this.closed || endpoint === undefined || !isCandidate(found) || found.nodeId === null) return;
    this.net.addPeer(found.nodeId, found.url);
    this.client.addNode(found.nodeId);
  }

  /** Ask the listed nodes that could not be identified again, with backoff, while the client lives. */
  private reprobeLater(options: ClientOptions, probeId: string, delayMs: number): void {
    if (this.closed || this.reach.every(isCandidate)) return;
    this.reprobeTimer = setTimeout(() => {
      this.reprobeTimer = undefined;
      const failed = this.reach.map((r, i) => ({ r, i })).filter(({ r }) => !isCandidate(r));
      void Promise.all(
        failed.map(async ({ i }) => {
          const endpoint = options.endpoints[i];
          if (endpoint === undefined) return;
          const found = await probeEndpoint(options, endpoint, probeId, this.probing.signal);
          if (this.closed) return;
          (this.reach as EndpointReach[])[i] = found;
          this.identified(found, endpoint);
        }),
      ).then(() => this.reprobeLater(options, probeId, Math.min(REPROBE_DELAY_MS_MAX, delayMs * 2)));
    }, delayMs);
    this.reprobeTimer.unref();
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
    this.closed = true;
    this.probing.abort();
    if (this.reprobeTimer !== undefined) clearTimeout(this.reprobeTimer);
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

async function probeEndpoint(options: ClientOptions, endpoint: ClusterEndpoint, probeId: string, signal: AbortSignal): Promise<EndpointReach> {
  const timeoutMs = Math.min(options.timeoutMs, 3_000);
  const startedMs = performance.now();
  const found = await discoverNodeId({ url: endpoint.url, clusterId: options.clusterId, selfId: probeId, timeoutMs, signal });
  const handshakeMs = Math.round(performance.now() - startedMs);
  if (!found.ok) return { url: endpoint.url, nodeId: endpoint.nodeId, reachable: false, error: found.error, handshakeMs };
  if (endpoint.nodeId !== null && endpoint.nodeId !== found.value) {
    const error = blixardError("peer-identity-mismatch", `--cluster says ${endpoint.url} is ${endpoint.nodeId}, but the node there is ${found.value}`);
    return { url: endpoint.url, nodeId: null, reachable: true, error, handshakeMs };
  }
  return { url: endpoint.url, nodeId: found.value, reachable: true, error: null, handshakeMs };
}

/**
 * A listed node the client may send to: its id is known (learned, or given in
 * --cluster) and it is not known to be something else (another cluster,
 * another id). A given id that just did not answer stays a candidate.
 */
function isCandidate(r: EndpointReach): boolean {
  return r.nodeId !== null && (r.error === null || REACH_FAILURES.has(r.error.code));
}
const REACH_FAILURES = new Set(["peer-unreachable", "handshake-timeout"]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
