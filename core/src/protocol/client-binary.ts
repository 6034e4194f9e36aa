import { singleKeyCommandFields, singleKeyCommandTypes, type SingleKeyCommandType } from "../state/kv/single-key-commands";
import { ByteReader, ByteWriter, Malformed } from "../codec/bytes";
import { hasOnlyJsonFields, isWellFormedText } from "../codec/json-spelling";
import { err, ok, type Result } from "../errors";
import { wireError } from "./wire-errors";
import type { WireError, WireMessage } from "./wire-types";

/**
 * Binary bodies for the client traffic that dominates a cluster: KV get, put,
 * delete and cas requests (from a client, or forwarded by a follower) and
 * their successful results. JSON.parse and JSON.stringify cost about 3 µs per
 * operation on this path; these layouts cost a fraction of that.
 *
 * The binary form is only a different spelling of the same JSON value:
 * - the encoder takes a message only when its JSON text would decode to
 *   exactly the value it writes (known fields only, strings where strings
 *   belong, safe integers), and returns null otherwise, so the caller sends
 *   JSON;
 * - the decoder rebuilds the plain value JSON.parse would have returned, and
 *   the caller validates it with the same rules as JSON (one rulebook).
 *
 * Layouts (big-endian, after the tag byte; str = u32 byte length + UTF-8;
 * nstr = u8 0 (null) or 1 then str; num = float64 holding a safe integer):
 * - request, tag 0xB4: u8 kind (0 client-request, 1 forward), str requestId,
 *   str clientId, u8 has-seq [num seq], u8 command (0 get, 1 put, 2 delete,
 *   3 cas), str key, then put: str value; cas: nstr expected, str value.
 * - response, tag 0xB5: str requestId, nstr leaderHint, u8 result (0 get,
 *   1 put, 2 delete, 3 cas), then get: u8 has-entry [entry]; put: u8 created,
 *   num createIndex, str key, num modIndex, num version; delete: u8 deleted;
 *   cas: u8 swapped, u8 has-entry [entry]. entry = num createIndex, str key,
 *   num modIndex, str value, num version.
 */
export const binaryKvRequestTag = 0xb4;
export const binaryKvResponseTag = 0xb5;


const scratch = new ByteWriter();

type Obj = Record<string, unknown>;

/** The frame for a KV request or response, or null when the message must go as JSON. */
export function encodeKvBinary<T>(message: WireMessage, headerBytes: number, seal: (buffer: Uint8Array, end: number) => T): T | null {
  if (message.kind === "client-request") {
    if (!hasOnlyJsonFields(message, requestWireFields)) return null;
    return encodeRequest(0, message as unknown as Obj, headerBytes, seal);
  }
  if (message.kind === "forward") {
    if (!hasOnlyJsonFields(message, forwardWireFields) || !isObj(message.request) || !hasOnlyJsonFields(message.request, requestBodyFields)) return null;
    return encodeRequest(1, message.request as unknown as Obj, headerBytes, seal);
  }
  if (message.kind === "client-response" && "result" in message) return encodeResponse(message as unknown as Obj, headerBytes, seal);
  return null;
}

const requestWireFields = ["v", "kind", "requestId", "clientId", "seq", "op"];
const forwardWireFields = ["v", "kind", "request"];
const requestBodyFields = ["requestId", "clientId", "seq", "op"];
const responseFields = ["v", "kind", "requestId", "result", "leaderHint"];

function encodeRequest<T>(kind: 0 | 1, body: Obj, headerBytes: number, seal: (buffer: Uint8Array, end: number) => T): T | null {
  const { requestId, clientId, seq, op } = body;
  if (!isWellFormedText(requestId) || !isWellFormedText(clientId)) return null;
  if (seq !== undefined && !Number.isSafeInteger(seq)) return null;
  if (!isObj(op) || !hasOnlyJsonFields(op, ["module", "command"]) || op["module"] !== "kv") return null;
  const command = op["command"];
  if (!isObj(command)) return null;
  const type = singleKeyCommandTypes.indexOf(command["type"] as SingleKeyCommandType);
  if (type < 0 || !hasOnlyJsonFields(command, singleKeyCommandFields[singleKeyCommandTypes[type]!]) || !isWellFormedText(command["key"])) return null;
  const { expected, value } = command;
  if ((type === 1 || type === 3) && !isWellFormedText(value)) return null;
  if (type === 3 && expected !== null && !isWellFormedText(expected)) return null;
  const w = scratch;
  w.begin(headerBytes);
  w.u8(binaryKvRequestTag);
  w.u8(kind);
  w.string(requestId, 4);
  w.string(clientId, 4);
  if (seq === undefined) w.u8(0);
  else {
    w.u8(1);
    w.num(seq as number);
  }
  w.u8(type);
  w.string(command["key"], 4);
  if (type === 3) writeNullableString(w, expected as string | null);
  if (type === 1 || type === 3) w.string(value as string, 4);
  return seal(w.bytes, w.at);
}

function encodeResponse<T>(message: Obj, headerBytes: number, seal: (buffer: Uint8Array, end: number) => T): T | null {
  if (!hasOnlyJsonFields(message, responseFields)) return null;
  const { requestId, leaderHint, result } = message;
  if (!isWellFormedText(requestId) || (leaderHint !== undefined && !isWellFormedText(leaderHint)) || !isObj(result)) return null;
  const w = scratch;
  w.begin(headerBytes);
  w.u8(binaryKvResponseTag);
  w.string(requestId, 4);
  writeNullableString(w, (leaderHint as string | undefined) ?? null);
  switch (result["type"]) {
    case "get":
      if (!hasOnlyJsonFields(result, ["entry", "type"]) || !("entry" in result)) return null;
      w.u8(0);
      if (!writeNullableEntry(w, result["entry"])) return null;
      break;
    case "put": {
      const written = result["written"];
      if (!hasOnlyJsonFields(result, ["created", "type", "written"]) || typeof result["created"] !== "boolean" || !isObj(written)) return null;
      if (!hasOnlyJsonFields(written, ["createIndex", "key", "modIndex", "version"]) || !isWellFormedText(written["key"])) return null;
      if (!isCount(written["createIndex"]) || !isCount(written["modIndex"]) || !isCount(written["version"])) return null;
      w.u8(1);
      w.u8(result["created"] ? 1 : 0);
      w.num(written["createIndex"]);
      w.string(written["key"], 4);
      w.num(written["modIndex"]);
      w.num(written["version"]);
      break;
    }
    case "delete":
      if (!hasOnlyJsonFields(result, ["deleted", "type"]) || typeof result["deleted"] !== "boolean") return null;
      w.u8(2);
      w.u8(result["deleted"] ? 1 : 0);
      break;
    case "cas":
      if (!hasOnlyJsonFields(result, ["current", "swapped", "type"]) || typeof result["swapped"] !== "boolean" || !("current" in result)) return null;
      w.u8(3);
      w.u8(result["swapped"] ? 1 : 0);
      if (!writeNullableEntry(w, result["current"])) return null;
      break;
    default:
      return null;
  }
  return seal(w.bytes, w.at);
}

function writeNullableEntry(w: ByteWriter, entry: unknown): boolean {
  if (entry === null) {
    w.u8(0);
    return true;
  }
  if (!isObj(entry) || !hasOnlyJsonFields(entry, ["createIndex", "key", "modIndex", "value", "version"])) return false;
  const { createIndex, key, modIndex, value, version } = entry;
  if (!isWellFormedText(key) || !isWellFormedText(value) || !isCount(createIndex) || !isCount(modIndex) || !isCount(version)) return false;
  w.u8(1);
  w.num(createIndex);
  w.string(key, 4);
  w.num(modIndex);
  w.string(value, 4);
  w.num(version);
  return true;
}

function writeNullableString(w: ByteWriter, value: string | null): void {
  if (value === null) w.u8(0);
  else {
    w.u8(1);
    w.string(value, 4);
  }
}

/**
 * The plain value a KV binary body stands for (`start` is where its tag is),
 * as JSON.parse would have returned it. Structure only: the caller validates.
 */
export function decodeKvBinary(bytes: Uint8Array, start: number): Result<Obj, WireError> {
  try {
    const r = new ByteReader(bytes, start + 1);
    const value = bytes[start] === binaryKvRequestTag ? readRequest(r) : readResponse(r);
    if (r.remaining !== 0) throw new Malformed(`${r.remaining} bytes follow the last field`);
    return ok(value);
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    return err(wireError("malformed-binary", `binary client message ${e.message}`, "the sender's encoder is broken or the frame was forged"));
  }
}

function readRequest(r: ByteReader): Obj {
  const kind = r.u8("kind");
  if (kind > 1) throw new Malformed(`request kind ${kind} is unknown`);
  const requestId = r.string(4, "requestId");
  const clientId = r.string(4, "clientId");
  const seq = r.bool("has seq") ? r.num("seq") : undefined;
  const typeCode = r.u8("command");
  const type = singleKeyCommandTypes[typeCode];
  if (type === undefined) throw new Malformed(`command code ${typeCode} is unknown`);
  const key = r.string(4, "key");
  let command: Obj;
  if (type === "put") command = { type, key, value: r.string(4, "value") };
  else if (type === "cas") {
    const expected = r.bool("has expected") ? r.string(4, "expected") : null;
    command = { type, key, expected, value: r.string(4, "value") };
  } else command = { type, key };
  const op = { module: "kv", command };
  const body: Obj = seq === undefined ? { requestId, clientId, op } : { requestId, clientId, seq, op };
  if (kind === 1) return { v: 1, kind: "forward", request: body };
  if (seq === undefined) return { v: 1, kind: "client-request", requestId, clientId, op };
  return { v: 1, kind: "client-request", requestId, clientId, seq, op };
}

function readResponse(r: ByteReader): Obj {
  const requestId = r.string(4, "requestId");
  const leaderHint = r.bool("has leaderHint") ? r.string(4, "leaderHint") : undefined;
  const code = r.u8("result");
  let result: Obj;
  switch (code) {
    case 0:
      result = { entry: readNullableEntry(r), type: "get" };
      break;
    case 1: {
      const created = r.bool("created");
      const createIndex = r.num("createIndex");
      const key = r.string(4, "key");
      result = { created, type: "put", written: { createIndex, key, modIndex: r.num("modIndex"), version: r.num("version") } };
      break;
    }
    case 2:
      result = { deleted: r.bool("deleted"), type: "delete" };
      break;
    case 3: {
      const swapped = r.bool("swapped");
      result = { current: readNullableEntry(r), swapped, type: "cas" };
      break;
    }
    default:
      throw new Malformed(`result code ${code} is unknown`);
  }
  const base = { v: 1, kind: "client-response", requestId, result };
  return leaderHint === undefined ? base : { ...base, leaderHint };
}

function readNullableEntry(r: ByteReader): Obj | null {
  if (!r.bool("has entry")) return null;
  const createIndex = r.num("createIndex");
  const key = r.string(4, "key");
  const modIndex = r.num("modIndex");
  const value = r.string(4, "value");
  return { createIndex, key, modIndex, value, version: r.num("version") };
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A safe integer other than -0 (JSON writes -0 as 0). */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}
