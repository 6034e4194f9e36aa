import { maxScanPageBytes, utf8ByteLength } from "./limits";
import { SortedMap } from "./sorted-map";
import type {
  KvBatch,
  KvBatchOp,
  KvBatchOpResult,
  KvBatchResult,
  KvCas,
  KvCasResult,
  KvDeleteResult,
  KvEntry,
  KvGetResult,
  KvPutResult,
  KvScan,
  KvScanResult,
  KvWritten,
} from "./types";

/** What the store keeps per key. */
export interface StoredValue {
  readonly value: string;
  readonly createIndex: number;
  readonly modIndex: number;
  readonly version: number;
}

/** Read-and-write access to keys: the store itself, or a batch's staging overlay. */
interface KeyAccess {
  read(key: string): StoredValue | undefined;
  write(key: string, stored: StoredValue | null): void;
}

/**
 * The KV data and its operations. Every write takes the Raft index it applies at.
 * Results are built with their keys in sorted order: canonicalJson, which every
 * replica runs on every result, then takes its native fast path.
 */
export class KvStore {
  readonly map = new SortedMap<StoredValue>();
  private readonly direct: KeyAccess = {
    read: (key) => this.map.get(key),
    write: (key, stored) => (stored === null ? this.map.delete(key) : this.map.set(key, stored)),
  };

  get(key: string): KvGetResult {
    const stored = this.map.get(key);
    return { entry: stored === undefined ? null : toEntry(key, stored), type: "get" };
  }

  put(key: string, value: string, index: number): KvPutResult {
    return putInto(this.direct, key, value, index);
  }

  delete(key: string): KvDeleteResult {
    return deleteFrom(this.direct, key);
  }

  cas(command: KvCas, index: number): KvCasResult {
    return casInto(this.direct, command, index);
  }

  /** All-or-nothing: ops run against a staging overlay that is merged only if every cas swapped. */
  batch(command: KvBatch, index: number): KvBatchResult {
    const staged = new Map<string, StoredValue | null>();
    const overlay: KeyAccess = {
      read: (key) => {
        const hit = staged.get(key);
        return hit === undefined ? this.map.get(key) : hit === null ? undefined : hit;
      },
      write: (key, stored) => void staged.set(key, stored),
    };
    const results: KvBatchOpResult[] = [];
    for (let i = 0; i < command.ops.length; i++) {
      const result = applyBatchOp(overlay, command.ops[i] as KvBatchOp, index);
      results.push(result);
      if (result.type === "cas" && !result.swapped) return { applied: false, failedOpIndex: i, results, type: "batch" };
    }
    for (const key of [...staged.keys()].sort()) this.direct.write(key, staged.get(key) ?? null);
    return { applied: true, failedOpIndex: null, results, type: "batch" };
  }

  /**
   * One page of keys under `prefix`, strictly after `startAfter`, at most
   * `limit` keys and about maxScanPageBytes of keys+values (never fewer than one key).
   */
  scan(command: KvScan): KvScanResult {
    const { prefix, startAfter, limit } = command;
    const afterCursor = startAfter !== null && startAfter >= prefix;
    const entries: KvEntry[] = [];
    let pageBytes = 0;
    for (const [key, stored] of this.map.entriesFrom(afterCursor ? startAfter : prefix, afterCursor)) {
      if (!key.startsWith(prefix)) break;
      const entryBytes = utf8ByteLength(key) + utf8ByteLength(stored.value);
      const pageFull = entries.length === limit || (entries.length > 0 && pageBytes + entryBytes > maxScanPageBytes);
      if (pageFull) return { entries, nextCursor: (entries[entries.length - 1] as KvEntry).key, type: "scan" };
      pageBytes += entryBytes;
      entries.push(toEntry(key, stored));
    }
    return { entries, nextCursor: null, type: "scan" };
  }
}

function applyBatchOp(access: KeyAccess, op: KvBatchOp, index: number): KvBatchOpResult {
  switch (op.type) {
    case "put":
      return putInto(access, op.key, op.value, index);
    case "delete":
      return deleteFrom(access, op.key);
    case "cas":
      return casInto(access, op, index);
  }
}

function putInto(access: KeyAccess, key: string, value: string, index: number): KvPutResult {
  const previous = access.read(key);
  const stored: StoredValue =
    previous === undefined
      ? { value, createIndex: index, modIndex: index, version: 1 }
      : { value, createIndex: previous.createIndex, modIndex: index, version: previous.version + 1 };
  access.write(key, stored);
  return { created: previous === undefined, type: "put", written: written(key, stored) };
}

function deleteFrom(access: KeyAccess, key: string): KvDeleteResult {
  const existed = access.read(key) !== undefined;
  if (existed) access.write(key, null);
  return { deleted: existed, type: "delete" };
}

function casInto(access: KeyAccess, command: KvCas, index: number): KvCasResult {
  const current = access.read(command.key);
  const matches = command.expected === null ? current === undefined : current !== undefined && current.value === command.expected;
  if (!matches) return { current: current === undefined ? null : toEntry(command.key, current), swapped: false, type: "cas" };
  putInto(access, command.key, command.value, index);
  const after = access.read(command.key) as StoredValue;
  return { current: toEntry(command.key, after), swapped: true, type: "cas" };
}

function toEntry(key: string, stored: StoredValue): KvEntry {
  return { createIndex: stored.createIndex, key, modIndex: stored.modIndex, value: stored.value, version: stored.version };
}

function written(key: string, stored: StoredValue): KvWritten {
  return { createIndex: stored.createIndex, key, modIndex: stored.modIndex, version: stored.version };
}
