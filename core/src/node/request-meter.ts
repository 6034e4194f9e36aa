import type { ClientOp } from "../protocol/client-ops";

/**
 * Times client requests from the moment a node takes one until it answers,
 * for an observer that wants request latency by operation. Keyed like the
 * pending table (`replyTo \0 requestId`). Bounded: an entry never answered
 * (the node dropped the request) is swept once it is older than `maxAgeMs`,
 * and at most `maxEntries` are timed at once (the rest go untimed).
 */
export class RequestMeter {
  private readonly started = new Map<string, { readonly operation: string; readonly atMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly answered: (operation: string, outcome: string, durationMs: number) => void,
  ) {}

  start(key: string, op: ClientOp, nowMs: number): void {
    if (this.started.size >= this.maxEntries || this.started.has(key)) return;
    this.started.set(key, { operation: operationLabel(op), atMs: nowMs });
  }

  /** `outcome`: "ok" or the error code. A key that was not timed is ignored. */
  finish(key: string, outcome: string, nowMs: number): void {
    const entry = this.started.get(key);
    if (entry === undefined) return;
    this.started.delete(key);
    this.answered(entry.operation, outcome, nowMs - entry.atMs);
  }

  sweep(nowMs: number): void {
    for (const [key, entry] of this.started) if (nowMs - entry.atMs > this.maxAgeMs) this.started.delete(key);
  }
}

const COMMAND_TYPE = /^[a-z][a-z0-9-]{0,39}$/;

/** `module.type`, e.g. `kv.put`: a small, bounded set (the decoder accepted only registered modules). */
export function operationLabel(op: ClientOp): string {
  const type = (op.command as { type?: unknown } | null)?.type;
  return `${op.module}.${typeof type === "string" && COMMAND_TYPE.test(type) ? type : "other"}`;
}
