import { err, ok, type BlixardError, type Result } from "../errors";
import { ENTRY_KINDS, type Entry, type HardState, type Snapshot } from "../raft/log-types";
import { encodeFrame, FRAME_HEADER_BYTES } from "./framing";
import { encodeHardStateFrame, encodeLogRecordFrame } from "./record-binary";
import { encodeSnapshot, isIndex, type LogRecord } from "./records";
import { storageRejected } from "./storage-errors";
import type { StorageOptions } from "./storage-options";
import type { TermLog } from "./term-log";

/** One Ready's worth of state to make durable. Absent fields are unchanged. */
export interface PersistInput {
  readonly hardState?: HardState;
  readonly entries?: readonly Entry[];
  readonly snapshot?: Snapshot | null;
}

/** A validated, fully encoded persist: nothing is written until all of it checks out. */
export interface PersistPlan {
  readonly records: ReadonlyArray<{ readonly record: LogRecord; readonly frame: Uint8Array }>;
  readonly snapshot: { readonly value: Snapshot; readonly frame: Uint8Array; readonly keepSuffix: boolean } | null;
  readonly hardState: HardState;
  readonly hardStateFrame: Uint8Array | null;
}

/** What the store holds now, as far as validation needs it. */
export interface StoredView {
  readonly nodeId: string;
  readonly log: TermLog;
  readonly hardState: HardState;
  readonly hardStateOnDisk: boolean;
  readonly options: StorageOptions;
}

/** The log as it would look right after the snapshot (if any) lands. */
interface LogAfterSnapshot {
  readonly baseIndex: number;
  readonly lastIndex: number;
  termAt(index: number): number | undefined;
}


export function planPersist(view: StoredView, input: PersistInput): Result<PersistPlan> {
  const snapshot = input.snapshot ? planSnapshot(view, input.snapshot) : ok(null);
  if (!snapshot.ok) return snapshot;
  const afterSnapshot = logAfterSnapshot(view.log, snapshot.value);
  const entries = input.entries ?? [];
  const entryCheck = checkEntries(view, afterSnapshot, entries);
  if (!entryCheck.ok) return entryCheck;
  const lastIndex = entries.length > 0 ? (entries[entries.length - 1] as Entry).index : afterSnapshot.lastIndex;
  const hardState = input.hardState ?? view.hardState;
  const hardStateCheck = checkHardState(view, hardState, lastIndex);
  if (!hardStateCheck.ok) return hardStateCheck;

  // The last record carries `end` (see records.ts); entries come last when there are any.
  const records: LogRecord[] = [];
  const first = entries[0];
  const truncates = first !== undefined && first.index <= afterSnapshot.lastIndex;
  if (snapshot.value && !snapshot.value.keepSuffix) {
    const { index, term } = snapshot.value.value.meta;
    records.push({ type: "restart", snapshotIndex: index, snapshotTerm: term, end: !truncates && entries.length === 0 });
  }
  if (truncates) records.push({ type: "truncate", fromIndex: first.index, end: entries.length === 0 });
  // Entries are immutable once in Raft's log: a record holds them as they are.
  for (let k = 0; k < entries.length; k++) records.push({ type: "entry", entry: entries[k] as Entry, end: k === entries.length - 1 });
  const encoded = encodeRecords(view, records);
  if (!encoded.ok) return encoded;

  // Term and vote must be durable before any vote or ack leaves; the commit
  // index need not be (Raft recovers it from the leader), so a persist that
  // only moves the commit index writes no hard state: one write fewer per
  // Ready on every node. The commit index on disk is whatever the last term or
  // vote change carried, never ahead of the truth.
  const voteChanged = !view.hardStateOnDisk || hardState.term !== view.hardState.term || hardState.votedFor !== view.hardState.votedFor;
  const hardStateFrame = voteChanged ? encodeHardStateFrame(hardState) : null;
  return ok({ records: encoded.value, snapshot: snapshot.value, hardState, hardStateFrame });
}

function planSnapshot(view: StoredView, snapshot: Snapshot): Result<NonNullable<PersistPlan["snapshot"]>> {
  const { index, term } = snapshot.meta;
  if (!isIndex(index) || !isIndex(term)) return reject(view, "storage-invalid-persist", `snapshot index ${index} / term ${term} are not positive integers`);
  if (index <= view.log.baseIndex) {
    return reject(view, "storage-stale-snapshot", `snapshot at index ${index} is not newer than the stored snapshot at ${view.log.baseIndex}`);
  }
  const keepSuffix = view.log.termAt(index) === term;
  if (!keepSuffix && index < view.hardState.commit) {
    return reject(view, "storage-invalid-persist", `snapshot ${index}@${term} does not match the log and would discard entries up to commit ${view.hardState.commit}`);
  }
  const payload = encodeSnapshot(snapshot);
  if (payload.length > view.options.maxSnapshotBytes) {
    const message = `snapshot at index ${index} encodes to ${payload.length} bytes, above maxSnapshotBytes ${view.options.maxSnapshotBytes}`;
    return err(storageRejected("storage-snapshot-too-large", view.nodeId, message, "raise maxSnapshotBytes on every node or shrink the state"));
  }
  const value: Snapshot = { meta: { index, term, config: snapshot.meta.config, configIndex: snapshot.meta.configIndex }, data: snapshot.data };
  return ok({ value, frame: encodeFrame(payload), keepSuffix });
}

function logAfterSnapshot(log: TermLog, snapshot: PersistPlan["snapshot"]): LogAfterSnapshot {
  if (snapshot === null) return log;
  const { index, term } = snapshot.value.meta;
  const lastIndex = snapshot.keepSuffix ? log.lastIndex : index;
  return {
    baseIndex: index,
    lastIndex,
    termAt: (i) => (i === index ? term : i > index && i <= lastIndex ? log.termAt(i) : undefined),
  };
}

function checkEntries(view: StoredView, log: LogAfterSnapshot, entries: readonly Entry[]): Result<void> {
  const first = entries[0];
  if (first === undefined) return ok(undefined);
  let previousTerm = 0;
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k] as Entry;
    if (!isIndex(entry.index) || !isIndex(entry.term) || !ENTRY_KINDS.includes(entry.kind) || typeof entry.data !== "string") {
      return reject(view, "storage-invalid-persist", `entry at position ${k} is malformed (index ${entry.index}, term ${entry.term}, kind ${entry.kind})`);
    }
    if (entry.index !== first.index + k) return reject(view, "storage-invalid-persist", `entries are not contiguous: ${entry.index} at position ${k} after ${first.index}`);
    if (entry.term < previousTerm) return reject(view, "storage-invalid-persist", `entry ${entry.index} has term ${entry.term}, below the previous term ${previousTerm}`);
    previousTerm = entry.term;
  }
  if (first.index <= log.baseIndex) return reject(view, "storage-invalid-persist", `entry ${first.index} is at or below the snapshot index ${log.baseIndex}`);
  if (first.index > log.lastIndex + 1) return reject(view, "storage-invalid-persist", `entry ${first.index} leaves a gap after the last stored index ${log.lastIndex}`);
  if (first.index <= log.lastIndex && first.index <= view.hardState.commit) {
    return reject(view, "storage-invalid-persist", `entry ${first.index} would overwrite a committed entry (commit ${view.hardState.commit})`);
  }
  const termBefore = log.termAt(first.index - 1) ?? 0;
  if (first.term < termBefore) return reject(view, "storage-invalid-persist", `entry ${first.index} has term ${first.term}, below the preceding stored term ${termBefore}`);
  return ok(undefined);
}

function checkHardState(view: StoredView, next: HardState, lastIndex: number): Result<void> {
  const stored = view.hardState;
  const wellFormed = Number.isSafeInteger(next.term) && next.term >= 0 && Number.isSafeInteger(next.commit) && next.commit >= 0;
  if (!wellFormed || (next.votedFor !== null && typeof next.votedFor !== "string")) {
    return reject(view, "storage-invalid-persist", `hard state is malformed (term ${next.term}, commit ${next.commit})`);
  }
  if (next.term < stored.term) return reject(view, "storage-invalid-persist", `hard state term would go back from ${stored.term} to ${next.term}`);
  if (next.term === stored.term && stored.votedFor !== null && next.votedFor !== stored.votedFor) {
    return reject(view, "storage-invalid-persist", `vote in term ${next.term} would change from ${stored.votedFor} to ${next.votedFor}`);
  }
  if (next.commit < stored.commit) return reject(view, "storage-invalid-persist", `commit would go back from ${stored.commit} to ${next.commit}`);
  if (next.commit > lastIndex) return reject(view, "storage-invalid-persist", `commit ${next.commit} is beyond the last index ${lastIndex}`);
  return ok(undefined);
}

function encodeRecords(view: StoredView, records: LogRecord[]): Result<PersistPlan["records"]> {
  const encoded: Array<{ record: LogRecord; frame: Uint8Array }> = [];
  for (let k = 0; k < records.length; k++) {
    const record = records[k] as LogRecord;
    const frame = encodeLogRecordFrame(record);
    const payloadBytes = frame.length - FRAME_HEADER_BYTES;
    if (payloadBytes > view.options.maxRecordBytes) {
      const what = record.type === "entry" ? `entry ${record.entry.index}` : `${record.type} record`;
      return err(tooLarge(view, `${what} encodes to ${payloadBytes} bytes, above maxRecordBytes ${view.options.maxRecordBytes}`));
    }
    encoded.push({ record, frame });
  }
  return ok(encoded);
}

function tooLarge(view: StoredView, message: string): BlixardError {
  return storageRejected("storage-record-too-large", view.nodeId, message, "reject the proposal before it reaches the log, or split it; maxRecordBytes bounds one entry");
}

function reject(view: StoredView, code: string, message: string): Result<never> {
  return err(storageRejected(code, view.nodeId, message, "this is a bug in the caller (the Raft core or its driver): the store only accepts what Raft allows"));
}

