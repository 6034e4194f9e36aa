import { ENTRY_KINDS, type ClusterConfig, type Entry, type EntryKind, type HardState, type Snapshot } from "../raft/log-types";
import { decodeBinaryHardState, decodeBinaryLogRecord, HARD_STATE_TAG, LOG_RECORD_TAG } from "./record-binary";

/**
 * What the log segments hold. Records are replayed in file order:
 * - `entry`: one Raft entry; it must follow the previous one (index + 1).
 * - `truncate`: the entries from `fromIndex` on were replaced (a conflicting suffix).
 * - `restart`: a snapshot was installed that the log did not match, so every
 *   entry before this record is void and the log continues at snapshotIndex + 1.
 * `end` marks the last record of one persist() call. Records after the last
 * `end` were never synced (a crash cut the persist short), so recovery drops them:
 * each persist is all-or-nothing on disk.
 */
export type LogRecord =
  | { readonly type: "entry"; readonly entry: Entry; readonly end: boolean }
  | { readonly type: "truncate"; readonly fromIndex: number; readonly end: boolean }
  | { readonly type: "restart"; readonly snapshotIndex: number; readonly snapshotTerm: number; readonly end: boolean };

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };
type Json = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The JSON layout data directories written before record-binary.ts hold; still read, written only by tests. */
export function encodeLogRecord(record: LogRecord): Uint8Array {
  switch (record.type) {
    case "entry": {
      const { index, term, kind, data } = record.entry;
      return encodeJson({ type: "entry", index, term, kind, data, end: record.end });
    }
    case "truncate":
      return encodeJson({ type: "truncate", fromIndex: record.fromIndex, end: record.end });
    case "restart":
      return encodeJson({ type: "restart", snapshotIndex: record.snapshotIndex, snapshotTerm: record.snapshotTerm, end: record.end });
  }
}

export function decodeLogRecord(payload: Uint8Array): Decoded<LogRecord> {
  const parsed = payload[0] === LOG_RECORD_TAG ? fromBinary(decodeBinaryLogRecord(payload)) : parseJsonObject(payload);
  if (!parsed.ok) return parsed;
  const json = parsed.value;
  if (typeof json.end !== "boolean") return fail("record has no boolean `end` flag");
  const end = json.end;
  if (json.type === "entry") {
    const entry = toEntry(json);
    return entry.ok ? { ok: true, value: { type: "entry", entry: entry.value, end } } : entry;
  }
  if (json.type === "truncate") {
    if (!isIndex(json.fromIndex)) return fail("truncate record has no valid fromIndex");
    return { ok: true, value: { type: "truncate", fromIndex: json.fromIndex, end } };
  }
  if (json.type === "restart") {
    if (!isIndex(json.snapshotIndex) || !isIndex(json.snapshotTerm)) return fail("restart record has no valid snapshot index/term");
    return { ok: true, value: { type: "restart", snapshotIndex: json.snapshotIndex, snapshotTerm: json.snapshotTerm, end } };
  }
  return fail(`unknown record type ${JSON.stringify(json.type)}`);
}

/** JSON hard state of older data directories; still read, written only by tests. */
export function encodeHardState(hardState: HardState): Uint8Array {
  return encodeJson({ term: hardState.term, votedFor: hardState.votedFor, commit: hardState.commit });
}

export function decodeHardState(payload: Uint8Array): Decoded<HardState> {
  const parsed = payload[0] === HARD_STATE_TAG ? fromBinary(decodeBinaryHardState(payload)) : parseJsonObject(payload);
  if (!parsed.ok) return parsed;
  const { term, votedFor, commit } = parsed.value;
  if (!isCount(term) || !isCount(commit)) return fail("hard state has no valid term/commit");
  if (votedFor !== null && typeof votedFor !== "string") return fail("hard state votedFor is neither a node id nor null");
  return { ok: true, value: { term, votedFor, commit } };
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const { index, term, config, configIndex } = snapshot.meta;
  const { voters, learners, votersOutgoing } = config;
  return encodeJson({ index, term, config: { voters, learners, votersOutgoing }, configIndex, data: snapshot.data });
}

export function decodeSnapshot(payload: Uint8Array): Decoded<Snapshot> {
  const parsed = parseJsonObject(payload);
  if (!parsed.ok) return parsed;
  const { index, term, config, data } = parsed.value;
  if (!isIndex(index) || !isIndex(term)) return fail("snapshot has no valid index/term");
  // Snapshots written before configIndex existed name their config by their own index: stable on this node only.
  const configIndex = parsed.value.configIndex ?? index;
  if (!isCount(configIndex) || configIndex > index) return fail(`snapshot configIndex must be an entry index at most the snapshot's ${index}`);
  if (typeof data !== "string") return fail("snapshot data is not a string");
  const cluster = toClusterConfig(config);
  if (cluster === null) return fail("snapshot config is not {voters, learners, votersOutgoing} of node ids");
  return { ok: true, value: { meta: { index, term, config: cluster, configIndex }, data } };
}

/** Positive safe integer: Raft indexes and terms of real entries start at 1. */
export function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function toEntry(json: Json): Decoded<Entry> {
  const { index, term, kind, data } = json;
  if (!isIndex(index) || !isIndex(term)) return fail("entry record has no valid index/term");
  if (!ENTRY_KINDS.includes(kind as EntryKind)) return fail(`entry record has unknown kind ${JSON.stringify(kind)}`);
  if (typeof data !== "string") return fail("entry record data is not a string");
  return { ok: true, value: { index, term, kind: kind as EntryKind, data } };
}

function toClusterConfig(value: unknown): ClusterConfig | null {
  if (typeof value !== "object" || value === null) return null;
  const { voters, learners, votersOutgoing } = value as Json;
  if (!isNodeIdList(voters) || !isNodeIdList(learners) || !isNodeIdList(votersOutgoing)) return null;
  return { voters, learners, votersOutgoing };
}

function isNodeIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function encodeJson(value: Json): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function parseJsonObject(payload: Uint8Array): Decoded<Json> {
  try {
    const value: unknown = JSON.parse(decoder.decode(payload));
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail("payload is not a JSON object");
    return { ok: true, value: value as Json };
  } catch {
    return fail("payload is not valid UTF-8 JSON");
  }
}

function fromBinary(decoded: { readonly fields: Record<string, unknown> } | { readonly problem: string }): Decoded<Json> {
  return "fields" in decoded ? { ok: true, value: decoded.fields } : fail(decoded.problem);
}

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}
