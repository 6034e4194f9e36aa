/** Messages between the cluster bench (parent) and a load worker (child process, IPC). */
export type BenchSystem = "blixard" | "etcd";
export type BenchOp = "put" | "get";

export interface WorkerStart {
  readonly system: BenchSystem;
  /** Blixard: every node's ws:// URL; etcd: the client URLs the etcd3 client is given. */
  readonly endpoints: readonly string[];
  readonly clientsMax: number;
}

export interface PhaseCommand {
  readonly kind: "phase";
  readonly op: BenchOp;
  readonly clients: number;
  /** The phase ends at this wall duration, or when `opsMax` operations were started, whichever comes first. */
  readonly durationMs: number;
  readonly opsMax: number;
  readonly seed: number;
}

export type WorkerCommand = PhaseCommand | { readonly kind: "close" };

export interface PhaseResult {
  readonly kind: "result";
  readonly op: BenchOp;
  readonly clients: number;
  /** Operations answered ok. */
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** From the first operation's start to the last one's answer. */
  readonly elapsedMs: number;
  /** Latency of every ok operation, microseconds. */
  readonly latenciesUs: number[];
  /** Longest time in which no client got an ok answer (the cluster-wide pause). */
  readonly gapMsMax: number;
  /** Longest time one client waited between ok answers (or from the phase start to its first). */
  readonly clientGapMsMax: number;
  /** The worker's own CPU during the phase (client-side cost). */
  readonly workerCpuMs: number;
}

export type WorkerReply = { readonly kind: "ready"; readonly openMs: number } | PhaseResult | { readonly kind: "failed"; readonly message: string };
