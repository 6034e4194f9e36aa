import { ClusterClient, type ClientOutcome, type ClusterClientConfig, type KvResult } from "@blixard/core";
import type { HistoryRecorder, OperationHandle } from "../linearizability/index";
import type { ClientRuntime } from "../world/runtime-types";

export interface KvWorkloadConfig {
  /** Keys the clients contend on; few keys make anomalies likely to show. */
  readonly keys: readonly string[];
  /** Mean pause between one op's completion and the next op, per client. */
  readonly thinkTimeMsMean: number;
  /** Share of reads and of cas among ops (the rest are writes), in percent. */
  readonly readPercent: number;
  readonly casPercent: number;
}

export const DEFAULT_KV_WORKLOAD: KvWorkloadConfig = {
  keys: ["k0", "k1", "k2", "k3"],
  thinkTimeMsMean: 40,
  readPercent: 40,
  casPercent: 20,
};

export interface KvClientStats {
  ok: number;
  failed: number;
  indeterminate: number;
  attempts: number;
  /** Ops invoked once the cluster should be healthy (see expectHealthyFrom) that did not end ok. */
  unhealthy: number;
}

/**
 * One simulated client process: issues read/write/cas ops one at a time
 * through ClusterClient and records each in the shared Jepsen-style history.
 */
export class KvClientProcess {
  private readonly client: ClusterClient;
  private running = true;
  private writes = 0;
  readonly stats: KvClientStats = { ok: 0, failed: 0, indeterminate: 0, attempts: 0, unhealthy: 0 };
  private healthyFromNs = Number.POSITIVE_INFINITY;
  private invokedAtNs = 0;

  constructor(
    private readonly runtime: ClientRuntime,
    private readonly process: number,
    clientConfig: ClusterClientConfig,
    private readonly workload: KvWorkloadConfig,
    private readonly history: HistoryRecorder,
    /** The world's virtual time in ns: one axis for every client's history events. */
    private readonly nowNs: () => number,
  ) {
    this.client = new ClusterClient(runtime, clientConfig);
    this.scheduleNext();
  }

  /** From this virtual time on every op this client invokes must succeed (faults have stopped and a leader had time to emerge). */
  expectHealthyFrom(timeNs: number): void {
    this.healthyFromNs = timeNs;
  }

  /** Stop issuing new ops (the op in flight still completes). */
  stop(): void {
    this.running = false;
  }

  get idle(): boolean {
    return !this.client.busy;
  }

  private scheduleNext(): void {
    if (!this.running) return;
    const pauseMs = this.runtime.random.nextInt(0, 2 * this.workload.thinkTimeMsMean);
    this.runtime.clock.setTimer(pauseMs, () => this.issue());
  }

  private issue(): void {
    if (!this.running || this.client.busy) return;
    const random = this.runtime.random;
    const keys = this.workload.keys;
    const key = keys[random.nextInt(0, keys.length - 1)] ?? "k0";
    const roll = random.nextInt(0, 99);
    if (roll < this.workload.readPercent) {
      this.invokedAtNs = this.nowNs();
      const handle = this.history.invoke(this.process, "read", key, null, this.invokedAtNs);
      this.client.submit({ module: "kv", command: { type: "get", key } }, (outcome) => this.completeRead(handle, outcome));
      return;
    }
    this.writes += 1;
    const value = `${this.runtime.clientId}-${this.writes}`;
    if (roll < this.workload.readPercent + this.workload.casPercent) {
      const expected = random.nextInt(0, 3) === 0 ? null : `c${random.nextInt(0, 4)}-${random.nextInt(1, Math.max(1, this.writes))}`;
      this.invokedAtNs = this.nowNs();
      const handle = this.history.invoke(this.process, "cas", key, [expected, value], this.invokedAtNs);
      this.client.submit({ module: "kv", command: { type: "cas", key, expected, value } }, (outcome) => this.completeCas(handle, outcome));
      return;
    }
    this.invokedAtNs = this.nowNs();
    const handle = this.history.invoke(this.process, "write", key, value, this.invokedAtNs);
    this.client.submit({ module: "kv", command: { type: "put", key, value } }, (outcome) => this.completeWrite(handle, outcome));
  }

  private completeRead(handle: OperationHandle, outcome: ClientOutcome): void {
    if (outcome.kind === "ok") {
      const entry = (outcome.result as Extract<KvResult, { type: "get" }>).entry;
      this.history.ok(handle, entry === null ? null : entry.value, this.nowNs());
    } else {
      // A read has no effect: a failed one is definitely a no-op.
      this.history.fail(handle, this.nowNs());
    }
    this.done(outcome);
  }

  private completeWrite(handle: OperationHandle, outcome: ClientOutcome): void {
    this.recordWriteLike(handle, outcome, true);
  }

  private completeCas(handle: OperationHandle, outcome: ClientOutcome): void {
    const swapped = outcome.kind === "ok" ? (outcome.result as Extract<KvResult, { type: "cas" }>).swapped : false;
    this.recordWriteLike(handle, outcome, swapped);
  }

  /** `tookEffect` false on an ok means the cas compared unequal: a definite no-op. */
  private recordWriteLike(handle: OperationHandle, outcome: ClientOutcome, tookEffect: boolean): void {
    const now = this.nowNs();
    if (outcome.kind === "ok") {
      if (tookEffect) this.history.ok(handle, now);
      else this.history.fail(handle, now);
    } else if (outcome.definite) {
      this.history.fail(handle, now);
    } else {
      this.history.info(handle, now);
    }
    this.done(outcome);
  }

  private done(outcome: ClientOutcome): void {
    this.stats.attempts += outcome.attempts;
    if (outcome.kind === "ok") this.stats.ok += 1;
    else if (outcome.definite) this.stats.failed += 1;
    else this.stats.indeterminate += 1;
    if (outcome.kind !== "ok" && this.invokedAtNs >= this.healthyFromNs) this.stats.unhealthy += 1;
    this.scheduleNext();
  }
}
