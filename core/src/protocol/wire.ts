import { err, ok, type Result } from "../errors";
import { allocBytes, copyBytes, readU32, writeU32 } from "../codec/byte-slab";
import { ByteWriter } from "../codec/bytes";
import { crc32 } from "../storage/crc32";
import { parseDecodedRaftMessage, parseFreshRaftMessage } from "../raft/message-validate";
import { maxEntriesPerMessage, type RaftMessage } from "../raft/messages";
import { maxClientIdChars } from "../state/envelope";
import { invalidRequest } from "./client-errors";
import { defaultClientOps, type ClientOpRegistry } from "./client-ops";
import { checkOnlyFields, describeType, isPlainObject, readId, readObject, readOptionalInteger, type Fields } from "./fields";
import { jsonTextDepthExceeds, maxJsonDepth } from "./json-depth";
import { binaryKvRequestTag, binaryKvResponseTag, decodeKvBinary, encodeKvBinary } from "./client-binary";
import { binaryRaftTag, decodeRaftBinary, encodeRaftBinary } from "./raft-binary";
import { wireError } from "./wire-errors";
import { validateResponse } from "./wire-response";
import {
  maxMessageBytes as defaultMaxMessageBytes,
  maxRequestIdChars,
  wireKinds,
  wireVersion,
  type ClientRequestBody,
  type WireError,
  type WireMessage,
} from "./wire-types";

export interface WireCodecOptions {
  /**
   * Raft's strict validator; defaults to parseFreshRaftMessage for JSON bodies
   * and parseDecodedRaftMessage for binary ones (the decoded value is fresh: no copy needed).
   */
  readonly parseRaftMessage?: (value: unknown) => Result<RaftMessage>;
  /** Client operations by module; defaults to every registered module (clientOpHandlers). */
  readonly clientOps?: ClientOpRegistry;
  /** Defaults to maxMessageBytes (8 MiB). */
  readonly maxMessageBytes?: number;
}

type Decoded<T> = Result<T, WireError>;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Bytes of the frame header: a CRC-32 of the JSON body, big-endian. */
export const wireChecksumBytes = 4;

/**
 * A frame is [u32 CRC-32 of body][body]. The body is UTF-8 JSON, except for
 * Raft peer messages (raft-binary.ts) and KV client requests and results
 * (client-binary.ts), which have binary layouts whose first bytes (0xB1,
 * 0xB4, 0xB5) can never start JSON. The checksum catches what a corrupting
 * link or peer does to bytes in flight: a flipped bit inside a string would
 * still parse, and a follower would append an entry the leader never wrote.
 */
export function encodeWire(message: WireMessage): Uint8Array {
  if (message.kind === "raft") {
    const frame = encodeRaftBinary(message.msg, wireChecksumBytes, sealFrame);
    if (frame !== null) return frame;
  } else {
    const frame = encodeKvBinary(message, wireChecksumBytes, sealFrame);
    if (frame !== null) return frame;
  }
  const w = jsonScratch;
  w.begin(wireChecksumBytes);
  w.utf8(JSON.stringify(message));
  return sealFrame(w.bytes, w.at);
}

/** encodeWire of `{ v: 1, kind: "raft", msg }`, without building the wrapper. */
export function encodeRaftWire(msg: RaftMessage): Uint8Array {
  return encodeRaftBinary(msg, wireChecksumBytes, sealFrame) ?? encodeWire({ v: wireVersion, kind: "raft", msg });
}

/** Scratch space for JSON frames (core is single threaded and an encode never yields). */
const jsonScratch = new ByteWriter();

/** Checksum the body that follows the header in `buffer[0, end)` and copy out the frame. */
function sealFrame(buffer: Uint8Array, end: number): Uint8Array {
  const frame = copyBytes(buffer, 0, end);
  writeU32(frame, 0, crc32(frame, wireChecksumBytes, end));
  return frame;
}

/** Prefix a JSON body with its checksum (also for tests that hand-craft bodies). */
export function frameWireBody(body: Uint8Array): Uint8Array {
  const frame = allocBytes(wireChecksumBytes + body.length);
  frame.set(body, wireChecksumBytes);
  writeU32(frame, 0, crc32(body));
  return frame;
}

/** encodeWire, refusing a message the receiver would reject as too large. */
export function encodeWireChecked(message: WireMessage, maxBytes = defaultMaxMessageBytes): Decoded<Uint8Array> {
  const bytes = encodeWire(message);
  if (bytes.length > maxBytes) return err(tooLarge(bytes.length, maxBytes));
  return ok(bytes);
}

/**
 * Decode one received payload. Never throws: every refusal is a specific
 * error value. Order: size (before any parsing), UTF-8, JSON, nesting depth,
 * version, kind, then strict per-kind fields and sender identity.
 */
export function decodeWire(bytes: Uint8Array, transportFrom: string, options: WireCodecOptions = {}): Decoded<WireMessage> {
  const checked = checkFrame(bytes, transportFrom, options);
  if (checked !== null) return err(checked);
  const tag = bytes[wireChecksumBytes];
  if (tag === binaryRaftTag) return decodeBinaryRaft(bytes, transportFrom, options);
  if (tag === binaryKvRequestTag || tag === binaryKvResponseTag) {
    // The same value JSON would carry, through the same validation.
    const value = decodeKvBinary(bytes, wireChecksumBytes);
    return value.ok ? decodeValue(value.value, transportFrom, options) : value;
  }
  let text: string;
  try {
    text = utf8Decoder.decode(bytes.subarray(wireChecksumBytes));
  } catch {
    return err(wireError("invalid-encoding", `message from ${transportFrom} is not valid UTF-8`, "send UTF-8 encoded JSON"));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    return err(wireError("invalid-json", `message from ${transportFrom} is not valid JSON: ${why}`, "send one JSON object per message"));
  }
  if (jsonTextDepthExceeds(bytes, wireChecksumBytes, maxJsonDepth)) {
    return err(wireError("too-deeply-nested", `message from ${transportFrom} nests deeper than ${maxJsonDepth} levels (maxJsonDepth)`, "flatten the message"));
  }
  return decodeValue(value, transportFrom, options);
}

/** Size, then checksum: null when the frame may be decoded. */
function checkFrame(bytes: Uint8Array, transportFrom: string, options: WireCodecOptions): WireError | null {
  const limit = options.maxMessageBytes ?? defaultMaxMessageBytes;
  if (bytes.length > limit) return tooLarge(bytes.length, limit);
  if (bytes.length < wireChecksumBytes) {
    return wireError("checksum-mismatch", `message from ${transportFrom} is ${bytes.length} bytes, shorter than its ${wireChecksumBytes}-byte checksum`, "send whole frames");
  }
  if (crc32(bytes, wireChecksumBytes) !== readU32(bytes, 0)) {
    return wireError("checksum-mismatch", `message from ${transportFrom} fails its CRC-32: corrupted in flight`, "the sender's link or host corrupts data; the message was dropped");
  }
  return null;
}

function decodeValue(value: unknown, from: string, options: WireCodecOptions): Decoded<WireMessage> {
  if (!isPlainObject(value)) return err(invalidRequest("", `a wire message must be a JSON object, got ${describeType(value)}`));
  if (value["v"] !== wireVersion) {
    const got = typeof value["v"] === "number" ? String(value["v"]) : describeType(value["v"]);
    return err(wireError("unsupported-version", `wire version ${got} is not supported; this node speaks version ${wireVersion}`, "upgrade the older side", "v"));
  }
  switch (value["kind"]) {
    case "raft":
      return decodeRaft(value, from, options);
    case "client-request":
      return decodeClientRequest(value, from, options);
    case "forward":
      return decodeForward(value, from, options);
    case "client-response":
      return validateResponse(value);
    default: {
      const kind = typeof value["kind"] === "string" ? `"${value["kind"].slice(0, 40)}"` : describeType(value["kind"]);
      return err(wireError("unknown-kind", `wire kind ${kind} is unknown; expected one of ${wireKinds.join(", ")}`, "check the sender's version", "kind"));
    }
  }
}

function decodeRaft(value: Fields, from: string, options: WireCodecOptions): Decoded<WireMessage> {
  const only = checkOnlyFields(value, ["v", "kind", "msg"], "");
  if (!only.ok) return only;
  const msg = readObject(value["msg"], "msg");
  if (!msg.ok) return msg;
  if (msg.value["from"] !== from) return err(forged("msg.from", msg.value["from"], from));
  const parsed = (options.parseRaftMessage ?? parseFreshRaftMessage)(msg.value);
  if (!parsed.ok) return parsed;
  if (parsed.value.from !== from) return err(forged("msg.from", parsed.value.from, from));
  return ok({ v: wireVersion, kind: "raft", msg: parsed.value });
}

/** `frame` is the whole frame; the binary body starts after the checksum. */
function decodeBinaryRaft(frame: Uint8Array, from: string, options: WireCodecOptions): Decoded<WireMessage> {
  const parsed = decodeBinaryRaftMessage(frame, from, options);
  return parsed.ok ? ok({ v: wireVersion, kind: "raft", msg: parsed.value }) : parsed;
}

function decodeBinaryRaftMessage(frame: Uint8Array, from: string, options: WireCodecOptions): Decoded<RaftMessage> {
  const msg = decodeRaftBinary(frame, maxEntriesPerMessage, wireChecksumBytes);
  if (!msg.ok) return msg;
  if (msg.value["from"] !== from) return err(forged("msg.from", msg.value["from"], from));
  return options.parseRaftMessage === undefined ? parseDecodedRaftMessage(msg.value) : options.parseRaftMessage(msg.value);
}

/** Whether a received payload holds a binary Raft message (then decodeRaftFrame reads it). */
export function isRaftFrame(bytes: Uint8Array): boolean {
  return bytes.length > wireChecksumBytes && bytes[wireChecksumBytes] === binaryRaftTag;
}

/**
 * decodeWire for a frame isRaftFrame accepts, giving the Raft message itself:
 * the same checks, without the wire wrapper (the path every peer message takes).
 */
export function decodeRaftFrame(bytes: Uint8Array, transportFrom: string, options: WireCodecOptions = {}): Decoded<RaftMessage> {
  const checked = checkFrame(bytes, transportFrom, options);
  return checked === null ? decodeBinaryRaftMessage(bytes, transportFrom, options) : err(checked);
}

function decodeClientRequest(value: Fields, from: string, options: WireCodecOptions): Decoded<WireMessage> {
  const only = checkOnlyFields(value, ["v", "kind", "requestId", "clientId", "seq", "op"], "");
  if (!only.ok) return only;
  const body = readRequestBody(value, "", options);
  if (!body.ok) return body;
  if (body.value.clientId !== from) return err(forged("clientId", body.value.clientId, from));
  const { requestId, clientId, seq, op } = body.value;
  if (seq === undefined) return ok({ v: wireVersion, kind: "client-request", requestId, clientId, op });
  return ok({ v: wireVersion, kind: "client-request", requestId, clientId, seq, op });
}

/**
 * A follower relays a client's request (with the client's session) or proposes
 * its own internal command (heartbeats, VM status): those carry no session and
 * must name the forwarding node itself as `node:<id>`.
 */
function decodeForward(value: Fields, from: string, options: WireCodecOptions): Decoded<WireMessage> {
  const only = checkOnlyFields(value, ["v", "kind", "request"], "");
  if (!only.ok) return only;
  const request = readObject(value["request"], "request");
  if (!request.ok) return request;
  const inner = checkOnlyFields(request.value, ["requestId", "clientId", "seq", "op"], "request");
  if (!inner.ok) return inner;
  const internal = request.value["clientId"] === internalClientId(from);
  const body = readRequestBody(request.value, "request", options, !internal);
  if (!body.ok) return body;
  return ok({ v: wireVersion, kind: "forward", request: body.value });
}

/** requestId, clientId, seq and op; a write must carry seq (exactly-once sessions). */
function readRequestBody(obj: Fields, field: string, options: WireCodecOptions, writesNeedSeq = true): Decoded<ClientRequestBody> {
  const requestId = readId(obj, "requestId", field, maxRequestIdChars);
  if (!requestId.ok) return requestId;
  const clientId = readId(obj, "clientId", field, maxClientIdChars);
  if (!clientId.ok) return clientId;
  const seq = readOptionalInteger(obj, "seq", field, 1, Number.MAX_SAFE_INTEGER);
  if (!seq.ok) return seq;
  const registry = options.clientOps ?? sharedDefaultOps();
  const op = registry.validate(obj["op"], field === "" ? "op" : `${field}.op`);
  if (!op.ok) return op;
  if (writesNeedSeq && seq.value === undefined && registry.usesSession(op.value)) {
    const path = field === "" ? "seq" : `${field}.seq`;
    return err(invalidRequest(path, `${path} is required for a write (${op.value.module} ${describeCommand(op.value.command)})`));
  }
  if (seq.value === undefined) return ok({ requestId: requestId.value, clientId: clientId.value, op: op.value });
  return ok({ requestId: requestId.value, clientId: clientId.value, op: op.value, seq: seq.value });
}

/** The client id a node uses for its own sessionless proposals. */
export function internalClientId(nodeId: string): string {
  return `node:${nodeId}`;
}

let defaultOps: ClientOpRegistry | null = null;
function sharedDefaultOps(): ClientOpRegistry {
  defaultOps ??= defaultClientOps();
  return defaultOps;
}

function describeCommand(command: unknown): string {
  const type = isPlainObject(command) ? command["type"] : undefined;
  return typeof type === "string" ? type : "command";
}

function tooLarge(bytes: number, limit: number): WireError {
  return wireError("message-too-large", `message is ${bytes} bytes; the limit is ${limit} bytes (maxMessageBytes)`, "split the request or lower the batch size");
}

function forged(field: string, claimed: unknown, actual: string): WireError {
  const claim = typeof claimed === "string" ? `"${claimed.slice(0, 128)}"` : describeType(claimed);
  return wireError("forged-sender", `${field} claims sender ${claim} but the message arrived from "${actual}"`, "a node may only speak for itself", field);
}

/**
 * For a refused client request or forward: the id to answer, so the sender
 * learns why instead of timing out. Only for frames whose checksum holds and
 * that parse as JSON; null otherwise (a corrupted frame gets no answer).
 */
export function refusedRequestId(bytes: Uint8Array): { readonly kind: "client-request" | "forward"; readonly requestId: string } | null {
  if (bytes.length < wireChecksumBytes || bytes.length > defaultMaxMessageBytes) return null;
  const body = bytes.subarray(wireChecksumBytes);
  if (crc32(body) !== readU32(bytes, 0)) return null;
  let value: unknown;
  if (body[0] === binaryKvRequestTag) {
    const decoded = decodeKvBinary(bytes, wireChecksumBytes);
    if (!decoded.ok) return null;
    value = decoded.value;
  } else {
    try {
      value = JSON.parse(utf8Decoder.decode(body));
    } catch {
      return null;
    }
  }
  if (!isPlainObject(value)) return null;
  const request = value["kind"] === "forward" && isPlainObject(value["request"]) ? value["request"] : value;
  const requestId = request["requestId"];
  if (typeof requestId !== "string" || requestId.length === 0 || requestId.length > maxRequestIdChars) return null;
  if (value["kind"] === "client-request" || value["kind"] === "forward") return { kind: value["kind"], requestId };
  return null;
}
