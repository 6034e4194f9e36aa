/**
 * KV commands and results. Keys and values are strings (UTF-8 on the wire);
 * keys order by JS string comparison (UTF-16 code units), which is total and
 * identical on every replica.
 */

export interface KvPut {
  readonly type: "put";
  readonly key: string;
  readonly value: string;
}

export interface KvDelete {
  readonly type: "delete";
  readonly key: string;
}

/** Swap to `value` only if the key currently holds `expected` (a string), or is absent (`expected: null`). */
export interface KvCas {
  readonly type: "cas";
  readonly key: string;
  readonly expected: string | null;
  readonly value: string;
}

export interface KvGet {
  readonly type: "get";
  readonly key: string;
}

/** Keys starting with `prefix`, in key order, strictly after `startAfter` when given. */
export interface KvScan {
  readonly type: "scan";
  readonly prefix: string;
  readonly startAfter: string | null;
  readonly limit: number;
}

export type KvBatchOp = KvPut | KvDelete | KvCas;

/**
 * Atomic multi-key write. Ops run in order, each seeing the effects of the ones
 * before it. If any cas does not swap, the whole batch is discarded: nothing is
 * written, and the results stop at that cas (`failedOpIndex`).
 */
export interface KvBatch {
  readonly type: "batch";
  readonly ops: readonly KvBatchOp[];
}

export type KvWriteCommand = KvPut | KvDelete | KvCas | KvBatch;
export type KvQuery = KvGet | KvScan;
export type KvCommand = KvWriteCommand | KvQuery;

/** A stored key with its versions: created at `createIndex`, last written at `modIndex`, written `version` times since. */
export interface KvEntry {
  readonly key: string;
  readonly value: string;
  readonly createIndex: number;
  readonly modIndex: number;
  readonly version: number;
}

/** Versions of a key after a write, without echoing the (possibly large) value. */
export interface KvWritten {
  readonly key: string;
  readonly createIndex: number;
  readonly modIndex: number;
  readonly version: number;
}

export interface KvPutResult {
  readonly type: "put";
  readonly written: KvWritten;
  readonly created: boolean;
}

export interface KvDeleteResult {
  readonly type: "delete";
  readonly deleted: boolean;
}

/** `current` is the key's entry after the cas: the new value when swapped, the unchanged one (or null) when not. */
export interface KvCasResult {
  readonly type: "cas";
  readonly swapped: boolean;
  readonly current: KvEntry | null;
}

export interface KvGetResult {
  readonly type: "get";
  readonly entry: KvEntry | null;
}

/** `nextCursor` is the `startAfter` for the next page, or null when the prefix is exhausted. */
export interface KvScanResult {
  readonly type: "scan";
  readonly entries: readonly KvEntry[];
  readonly nextCursor: string | null;
}

export type KvBatchOpResult = KvPutResult | KvDeleteResult | KvCasResult;

export interface KvBatchResult {
  readonly type: "batch";
  readonly applied: boolean;
  /** Index in `ops` of the cas that failed, or null when the batch applied. */
  readonly failedOpIndex: number | null;
  readonly results: readonly KvBatchOpResult[];
}

export type KvResult = KvPutResult | KvDeleteResult | KvCasResult | KvGetResult | KvScanResult | KvBatchResult;
