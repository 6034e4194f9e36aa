import { err, InvariantViolation, ok, type Result } from "../../errors";
import { invalidRequest, type ClientError } from "../../protocol/client-errors";
import type { ApplyContext } from "../module";
import type { QueryableModule } from "../queryable";
import { KvStore, type StoredValue } from "./store";
import type { KvCommand, KvResult } from "./types";
import { validateKvCommand } from "./validate";

export const kvModuleName = "kv";

/** Snapshot image: one tuple per key, in key order. */
export interface KvImage {
  readonly entries: ReadonlyArray<readonly [key: string, value: string, createIndex: number, modIndex: number, version: number]>;
}

export type KvOutcome = Result<KvResult, ClientError>;

/** The "kv" state module: an ordered key-value store with versions, cas, scans and atomic batches. */
export class KvModule implements QueryableModule<KvCommand, KvOutcome> {
  readonly name = kvModuleName;
  private readonly store = new KvStore();

  get keyCount(): number {
    return this.store.map.size;
  }

  validate(command: unknown): Result<KvCommand, ClientError> {
    return validateKvCommand(command);
  }

  apply(command: KvCommand, ctx: ApplyContext): KvOutcome {
    switch (command.type) {
      case "put":
        return ok(this.store.put(command.key, command.value, ctx.index));
      case "delete":
        return ok(this.store.delete(command.key));
      case "cas":
        return ok(this.store.cas(command, ctx.index));
      case "batch":
        return ok(this.store.batch(command, ctx.index));
      case "get":
        return ok(this.store.get(command.key));
      case "scan":
        return ok(this.store.scan(command));
    }
  }

  /** Read-only: get and scan against the applied state. Writes are refused. */
  query(query: unknown): Result<KvResult, ClientError> {
    const parsed = validateKvCommand(query, "query");
    if (!parsed.ok) return parsed;
    const command = parsed.value;
    if (command.type === "get") return ok(this.store.get(command.key));
    if (command.type === "scan") return ok(this.store.scan(command));
    return err(invalidRequest("query.type", `query.type "${command.type}" changes state; propose it as a command instead`));
  }

  snapshot(): KvImage {
    const entries: Array<[string, string, number, number, number]> = [];
    for (const [key, s] of this.store.map.entries()) entries.push([key, s.value, s.createIndex, s.modIndex, s.version]);
    return { entries };
  }

  /** Throws InvariantViolation for a malformed image; StateMachine.restore catches it and keeps the old state. */
  restore(image: unknown): void {
    const list = (image as { entries?: unknown } | null)?.entries;
    if (!Array.isArray(list)) throw new InvariantViolation("kv-image", "image.entries is not an array");
    const loaded: Array<[string, StoredValue]> = [];
    for (let i = 0; i < list.length; i++) loaded.push(parseImageEntry(list[i], i));
    const outOfOrder = this.store.map.loadSorted(loaded);
    if (outOfOrder !== -1) throw new InvariantViolation("kv-image", `entry ${outOfOrder} is not in strictly ascending key order`);
  }
}

function parseImageEntry(raw: unknown, i: number): [string, StoredValue] {
  if (!Array.isArray(raw) || raw.length !== 5) throw new InvariantViolation("kv-image", `entry ${i} is not a 5-tuple`);
  const [key, value, createIndex, modIndex, version] = raw as unknown[];
  const counters = [createIndex, modIndex, version];
  if (typeof key !== "string" || key.length === 0 || typeof value !== "string" || !counters.every(isPositiveInteger)) {
    throw new InvariantViolation("kv-image", `entry ${i} has a malformed key, value or version`);
  }
  return [key, { value, createIndex: createIndex as number, modIndex: modIndex as number, version: version as number }];
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}
