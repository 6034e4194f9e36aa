import { blixardError, err, ok, type Result } from "../errors";
import { decodeConfigEntry, parseClusterConfig } from "./cluster-config";
import { ENTRY_KINDS, type EntryKind, type SnapshotMeta } from "./log-types";
import {
  maxEntriesPerMessage,
  maxEntryDataBytes,
  maxNodeIdBytes,
  maxReadContextBytes,
  maxSnapshotBytes,
  maxSnapshotChunkBytes,
  type RaftMessage,
  type RaftMessageType,
  raftMessageTypes,
} from "./messages";

/** Thrown only inside this module to unwind to parseRaftMessage, which turns it into an error value. */
class Invalid {
  constructor(readonly message: string) {}
}

type Obj = Record<string, unknown>;

function fail(message: string): never {
  throw new Invalid(message);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (typeof v === "number") return String(v);
  return typeof v;
}

function object(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`'${field}' must be an object, got ${describe(v)}`);
  // for-in rather than Object.keys: no array per message (an inherited field counts as unknown too).
  for (const key in v) {
    if (!allowed.includes(key)) fail(`'${field}' has unknown field '${key}'`);
  }
  return v as Obj;
}

function uint(o: Obj, key: string, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) {
    fail(`'${field}${key}' must be an integer in 0..${max}, got ${describe(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string, field: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") fail(`'${field}${key}' must be a boolean, got ${describe(v)}`);
  return v;
}

function str(o: Obj, key: string, field: string, minLength: number, maxLength: number): string {
  const v = o[key];
  if (typeof v !== "string" || v.length < minLength || v.length > maxLength) {
    fail(`'${field}${key}' must be a string of ${minLength}..${maxLength} characters, got ${describe(v)}`);
  }
  return v;
}

function nullableStr(o: Obj, key: string, field: string, maxLength: number): string | null {
  return o[key] === null ? null : str(o, key, field, 1, maxLength);
}


function checkEntries(o: Obj, prevLogIndex: number, term: number, shape: Shape): void {
  const v = o.entries;
  if (!Array.isArray(v)) fail(`'entries' must be an array, got ${describe(v)}`);
  if (v.length > maxEntriesPerMessage) fail(`'entries' holds ${v.length} entries, more than ${maxEntriesPerMessage}`);
  let prevTerm = 0;
  for (let i = 0; i < v.length; i++) {
    const e = shape === "exact" ? (v[i] as Obj) : object(v[i], `entries[${i}]`, entryFields);
    const index = e.index;
    // Checked inline (the field paths are built only on refusal): this runs for every entry replicated.
    if (typeof index !== "number" || !Number.isSafeInteger(index) || index !== prevLogIndex + 1 + i) {
      fail(`'entries[${i}].index' must be ${prevLogIndex + 1 + i} (contiguous after prevLogIndex), got ${describe(index)}`);
    }
    const entryTerm = e.term;
    if (typeof entryTerm !== "number" || !Number.isSafeInteger(entryTerm) || entryTerm < 1 || entryTerm > term || entryTerm < prevTerm) {
      fail(`'entries[${i}].term' must be 1..${term} and not below the previous entry's term ${prevTerm}, got ${describe(entryTerm)}`);
    }
    prevTerm = entryTerm;
    if (!ENTRY_KINDS.includes(e.kind as EntryKind)) fail(`'entries[${i}].kind' must be one of ${ENTRY_KINDS.join(", ")}, got ${describe(e.kind)}`);
    const data = e.data;
    if (typeof data !== "string" || data.length > maxEntryDataBytes) {
      fail(`'entries[${i}].data' must be a string of 0..${maxEntryDataBytes} characters, got ${describe(data)}`);
    }
    if (e.kind === "config") {
      const decoded = decodeConfigEntry(data);
      if (!decoded.ok) fail(`'entries[${i}].data' is not a valid config entry: ${decoded.error.message}`);
    }
  }
}

const entryFields: readonly string[] = ["index", "term", "kind", "data"];

function parseMeta(v: unknown): SnapshotMeta {
  const m = object(v, "meta", ["index", "term", "config", "configIndex"]);
  const index = uint(m, "index", "meta.");
  const term = uint(m, "term", "meta.");
  if (index < 1 || term < 1) fail(`'meta' must name a snapshot index and term >= 1, got ${index}/${term}`);
  const config = parseClusterConfig(m.config, "meta.config");
  if (!config.ok) fail(config.error.message);
  // A peer from before configIndex existed sends none: its snapshot's own index is the best name left.
  const configIndex = m.configIndex === undefined ? index : uint(m, "configIndex", "meta.");
  if (configIndex > index) fail(`'meta.configIndex' ${configIndex} is above the snapshot index ${index}`);
  return { index, term, config: config.value, configIndex };
}

const bodyFields: Record<RaftMessageType, readonly string[]> = {
  "pre-vote": ["lastLogIndex", "lastLogTerm", "leadershipTransfer"],
  vote: ["lastLogIndex", "lastLogTerm", "leadershipTransfer"],
  "pre-vote-response": ["granted"],
  "vote-response": ["granted"],
  append: ["prevLogIndex", "prevLogTerm", "commit", "round", "entries"],
  "append-response": ["success", "matchIndex", "rejectIndex", "hintIndex", "hintTerm", "round"],
  heartbeat: ["commit", "context", "round"],
  "heartbeat-response": ["context", "round"],
  snapshot: ["meta", "offset", "totalBytes", "data", "done"],
  "snapshot-response": ["snapshotIndex", "snapshotTerm", "nextOffset", "accepted"],
  "timeout-now": [],
};

/** Every field a message of each type may carry (built once: this runs for every message received). */
const messageFields = Object.fromEntries(
  raftMessageTypes.map((type) => [type, ["type", "from", "to", "term", ...bodyFields[type]]]),
) as unknown as Record<RaftMessageType, readonly string[]>;

/**
 * Validates the fields of a message of `type` where they stand and returns the
 * message: `o` itself (every field checked, nothing else present), or for a
 * snapshot chunk a rebuilt object (its configuration is normalised).
 */
function checkBody(type: RaftMessageType, o: Obj, head: { from: string; to: string; term: number }, shape: Shape): RaftMessage {
  switch (type) {
    case "pre-vote":
    case "vote":
      uint(o, "lastLogIndex", "");
      uint(o, "lastLogTerm", "");
      bool(o, "leadershipTransfer", "");
      break;
    case "pre-vote-response":
    case "vote-response":
      bool(o, "granted", "");
      break;
    case "append": {
      const prevLogIndex = uint(o, "prevLogIndex", "");
      const prevLogTerm = uint(o, "prevLogTerm", "");
      if (prevLogTerm > head.term) fail(`'prevLogTerm' ${prevLogTerm} is above the message term ${head.term}`);
      uint(o, "commit", "");
      uint(o, "round", "");
      checkEntries(o, prevLogIndex, head.term, shape);
      break;
    }
    case "append-response":
      bool(o, "success", "");
      uint(o, "matchIndex", "");
      uint(o, "rejectIndex", "");
      uint(o, "hintIndex", "");
      uint(o, "hintTerm", "");
      uint(o, "round", "");
      break;
    case "heartbeat":
      uint(o, "commit", "");
      nullableStr(o, "context", "", maxReadContextBytes);
      uint(o, "round", "");
      break;
    case "heartbeat-response":
      nullableStr(o, "context", "", maxReadContextBytes);
      uint(o, "round", "");
      break;
    case "snapshot":
      return parseSnapshotChunk(o, head);
    case "snapshot-response":
      uint(o, "snapshotIndex", "");
      uint(o, "snapshotTerm", "");
      uint(o, "nextOffset", "", maxSnapshotBytes);
      bool(o, "accepted", "");
      break;
    case "timeout-now":
      break;
  }
  return o as unknown as RaftMessage;
}

/** A validated message as a new object that shares nothing with the input. */
function copyMessage(m: RaftMessage): RaftMessage {
  if (m.type === "append") return { ...m, entries: m.entries.map((e) => ({ index: e.index, term: e.term, kind: e.kind, data: e.data })) };
  return { ...m };
}

function parseSnapshotChunk(o: Obj, head: { from: string; to: string; term: number }): RaftMessage {
  const meta = parseMeta(o.meta);
  if (meta.term > head.term) fail(`'meta.term' ${meta.term} is above the message term ${head.term}`);
  const totalBytes = uint(o, "totalBytes", "", maxSnapshotBytes);
  const offset = uint(o, "offset", "", maxSnapshotBytes);
  const data = str(o, "data", "", 0, maxSnapshotChunkBytes);
  const done = bool(o, "done", "");
  if (offset + data.length > totalBytes) fail(`'data' runs past 'totalBytes': offset ${offset} + ${data.length} > ${totalBytes}`);
  if (done !== (offset + data.length === totalBytes)) fail(`'done' must be true exactly on the chunk that ends at totalBytes ${totalBytes}`);
  return { type: "snapshot", from: head.from, to: head.to, term: head.term, meta, offset, totalBytes, data, done };
}

/**
 * Strictly validate an untrusted, JSON-decoded Raft message. Every field's
 * type and range is checked, unknown fields are rejected, entries and chunks
 * are bounded, and the error names the offending field. Never throws. The
 * message returned shares nothing with `value`.
 */
export function parseRaftMessage(value: unknown): Result<RaftMessage> {
  const checked = parseFreshRaftMessage(value);
  return checked.ok ? ok(copyMessage(checked.value)) : checked;
}

/**
 * parseRaftMessage for a value just decoded from the wire, which nothing else
 * holds: the same checks, but the message returned is `value` itself (no copy
 * of the message and its entries on every receive).
 */
export function parseFreshRaftMessage(value: unknown): Result<RaftMessage> {
  return parseFields(value, "unknown");
}

/**
 * parseFreshRaftMessage for a message the binary decoder (protocol/raft-binary.ts)
 * just built: it writes each type's fields, and only those, as numbers,
 * booleans and strings, so only the values' ranges and the message's own
 * consistency are left to check. The field-set checks cost more than the rest
 * on every message received.
 */
export function parseDecodedRaftMessage(value: Record<string, unknown>): Result<RaftMessage> {
  return parseFields(value, "exact");
}

/** "exact": built by the binary decoder, with exactly the type's fields (and each entry's). */
type Shape = "exact" | "unknown";

function parseFields(value: unknown, shape: Shape): Result<RaftMessage> {
  try {
    if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`'message' must be an object, got ${describe(value)}`);
    const type = (value as Obj).type;
    if (!raftMessageTypes.includes(type as RaftMessageType)) fail(`'type' must be one of ${raftMessageTypes.join(", ")}, got ${describe(type)}`);
    const o = shape === "exact" ? (value as Obj) : object(value, "message", messageFields[type as RaftMessageType]);
    const from = str(o, "from", "", 1, maxNodeIdBytes);
    const to = str(o, "to", "", 1, maxNodeIdBytes);
    if (from === to) fail(`'from' and 'to' are both ${JSON.stringify(from)}`);
    const term = uint(o, "term", "");
    if (shape === "unknown") {
      for (const key of bodyFields[type as RaftMessageType]) {
        if (!(key in o)) fail(`'${key}' is missing from a ${String(type)} message`);
      }
    }
    return ok(checkBody(type as RaftMessageType, o, { from, to, term }, shape));
  } catch (e) {
    if (e instanceof Invalid) return err(blixardError("invalid-raft-message", `invalid raft message: ${e.message}`));
    throw e;
  }
}
