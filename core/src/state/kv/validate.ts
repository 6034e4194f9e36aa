import { err, ok, type Result } from "../../errors";
import { invalidRequest, sizeError, type ClientError } from "../../protocol/client-errors";
import { checkOnlyFields, isPlainObject, join, readArray, readInteger, readObject, readString, type Fields } from "../../protocol/fields";
import {
  maxBatchOps,
  maxBatchPayloadBytes,
  maxKeyBytes,
  maxScanLimitKeys,
  maxValueBytes,
  utf8ByteLength,
} from "./limits";
import type { KvBatch, KvBatchOp, KvCas, KvCommand, KvDelete, KvGet, KvPut, KvScan } from "./types";

type Parsed<T> = Result<T, ClientError>;

/** Strictly parse an untrusted KV command, enforcing every bound in ./limits. */
export function validateKvCommand(value: unknown, field = "command"): Parsed<KvCommand> {
  const accepted = acceptSingleKey(value);
  return accepted === null ? parseKvCommand(value, field) : ok(accepted);
}

/**
 * The commands every replica applies most (get, put, delete and cas on one
 * key) when they are valid as they stand, read without the field readers'
 * result values; null sends anything else, valid or not, to parseKvCommand,
 * which alone words the errors. Tested to agree with it.
 */
function acceptSingleKey(value: unknown): KvCommand | null {
  if (!isPlainObject(value)) return null;
  const type = value["type"];
  const key = value["key"];
  if (typeof key !== "string" || key.length === 0 || utf8ByteLength(key) > maxKeyBytes) return null;
  switch (type) {
    case "get":
    case "delete":
      return onlyFields(value, "type", "key") ? { type, key } : null;
    case "put": {
      const v = value["value"];
      return isValue(v) && onlyFields(value, "type", "key", "value") ? { type, key, value: v } : null;
    }
    case "cas": {
      const v = value["value"];
      const expected = value["expected"];
      return isValue(v) && (expected === null || isValue(expected)) && onlyFields(value, "type", "key", "expected", "value") ? { type, key, expected, value: v } : null;
    }
    default:
      return null;
  }
}

function onlyFields(obj: Fields, a: string, b: string, c?: string, d?: string): boolean {
  for (const name in obj) if (name !== a && name !== b && name !== c && name !== d) return false;
  return true;
}

function isValue(value: unknown): value is string {
  return typeof value === "string" && utf8ByteLength(value) <= maxValueBytes;
}

/** validateKvCommand without the fast path (exported for the test that holds the two equal). */
export function parseKvCommand(value: unknown, field = "command"): Parsed<KvCommand> {
  const obj = readObject(value, field);
  if (!obj.ok) return obj;
  const type = readString(obj.value, "type", field);
  if (!type.ok) return type;
  switch (type.value) {
    case "put":
      return parsePut(obj.value, field);
    case "delete":
      return parseDelete(obj.value, field);
    case "cas":
      return parseCas(obj.value, field);
    case "get":
      return parseGet(obj.value, field);
    case "scan":
      return parseScan(obj.value, field);
    case "batch":
      return parseBatch(obj.value, field);
    default: {
      const path = join(field, "type");
      return err(invalidRequest(path, `${path} "${clip(type.value)}" is not a kv command; use put, delete, cas, get, scan or batch`));
    }
  }
}

/** Reads never change state: they may be served locally after ReadIndex instead of through the log. */
export function isKvReadOnly(command: KvCommand): boolean {
  return command.type === "get" || command.type === "scan";
}

function parsePut(obj: Fields, field: string): Parsed<KvPut> {
  const only = checkOnlyFields(obj, ["type", "key", "value"], field);
  if (!only.ok) return only;
  const key = readKey(obj, "key", field);
  if (!key.ok) return key;
  const value = readValue(obj, "value", field);
  if (!value.ok) return value;
  return ok({ type: "put", key: key.value, value: value.value });
}

function parseDelete(obj: Fields, field: string): Parsed<KvDelete> {
  const only = checkOnlyFields(obj, ["type", "key"], field);
  if (!only.ok) return only;
  const key = readKey(obj, "key", field);
  if (!key.ok) return key;
  return ok({ type: "delete", key: key.value });
}

function parseCas(obj: Fields, field: string): Parsed<KvCas> {
  const only = checkOnlyFields(obj, ["type", "key", "expected", "value"], field);
  if (!only.ok) return only;
  const key = readKey(obj, "key", field);
  if (!key.ok) return key;
  const expectedPath = join(field, "expected");
  if (!("expected" in obj)) {
    return err(invalidRequest(expectedPath, `${expectedPath} is required: the expected value, or null for "expect absent"`));
  }
  let expected: string | null = null;
  if (obj["expected"] !== null) {
    const read = readValue(obj, "expected", field);
    if (!read.ok) return read;
    expected = read.value;
  }
  const value = readValue(obj, "value", field);
  if (!value.ok) return value;
  return ok({ type: "cas", key: key.value, expected, value: value.value });
}

function parseGet(obj: Fields, field: string): Parsed<KvGet> {
  const only = checkOnlyFields(obj, ["type", "key"], field);
  if (!only.ok) return only;
  const key = readKey(obj, "key", field);
  if (!key.ok) return key;
  return ok({ type: "get", key: key.value });
}

function parseScan(obj: Fields, field: string): Parsed<KvScan> {
  const only = checkOnlyFields(obj, ["type", "prefix", "startAfter", "limit"], field);
  if (!only.ok) return only;
  const prefix = readBoundedString(obj, "prefix", field);
  if (!prefix.ok) return prefix;
  let startAfter: string | null = null;
  if (obj["startAfter"] !== undefined && obj["startAfter"] !== null) {
    const read = readBoundedString(obj, "startAfter", field);
    if (!read.ok) return read;
    startAfter = read.value;
  }
  const limitValue = obj["limit"];
  const limitPath = join(field, "limit");
  if (typeof limitValue === "number" && Number.isSafeInteger(limitValue) && limitValue > maxScanLimitKeys) {
    return err(sizeError("scan-limit-too-large", limitPath, "the scan limit", limitValue, maxScanLimitKeys, "keys", "maxScanLimitKeys"));
  }
  const limit = readInteger(obj, "limit", field, 1, maxScanLimitKeys);
  if (!limit.ok) return limit;
  return ok({ type: "scan", prefix: prefix.value, startAfter, limit: limit.value });
}

function parseBatch(obj: Fields, field: string): Parsed<KvBatch> {
  const only = checkOnlyFields(obj, ["type", "ops"], field);
  if (!only.ok) return only;
  const list = readArray(obj, "ops", field);
  if (!list.ok) return list;
  const opsPath = join(field, "ops");
  if (list.value.length === 0) return err(invalidRequest(opsPath, `${opsPath} must hold at least one operation`));
  if (list.value.length > maxBatchOps) {
    return err(sizeError("batch-too-large", opsPath, "the batch", list.value.length, maxBatchOps, "operations", "maxBatchOps"));
  }
  const ops: KvBatchOp[] = [];
  let payloadBytes = 0;
  for (let i = 0; i < list.value.length; i++) {
    const op = parseBatchOp(list.value[i], `${opsPath}[${i}]`);
    if (!op.ok) return op;
    payloadBytes += opPayloadBytes(op.value);
    ops.push(op.value);
  }
  if (payloadBytes > maxBatchPayloadBytes) {
    return err(sizeError("batch-too-large", opsPath, "the batch payload", payloadBytes, maxBatchPayloadBytes, "bytes", "maxBatchPayloadBytes"));
  }
  return ok({ type: "batch", ops });
}

/** Checks the op type before parsing, so a nested batch is refused without recursing into it. */
function parseBatchOp(value: unknown, field: string): Parsed<KvBatchOp> {
  const obj = readObject(value, field);
  if (!obj.ok) return obj;
  const type = readString(obj.value, "type", field);
  if (!type.ok) return type;
  if (type.value === "put") return parsePut(obj.value, field);
  if (type.value === "delete") return parseDelete(obj.value, field);
  if (type.value === "cas") return parseCas(obj.value, field);
  const path = join(field, "type");
  return err(invalidRequest(path, `${path} "${clip(type.value)}" is not allowed in a batch; use put, delete or cas`));
}

function opPayloadBytes(op: KvBatchOp): number {
  const key = utf8ByteLength(op.key);
  if (op.type === "delete") return key;
  if (op.type === "put") return key + utf8ByteLength(op.value);
  return key + utf8ByteLength(op.value) + (op.expected === null ? 0 : utf8ByteLength(op.expected));
}

function readKey(obj: Fields, name: string, field: string): Parsed<string> {
  const read = readBoundedString(obj, name, field);
  if (!read.ok) return read;
  const path = join(field, name);
  if (read.value.length === 0) return err(invalidRequest(path, `${path} must not be empty`));
  return read;
}

/** A string no longer than a key may be (keys, prefixes, cursors). */
function readBoundedString(obj: Fields, name: string, field: string): Parsed<string> {
  const read = readString(obj, name, field);
  if (!read.ok) return read;
  const bytes = utf8ByteLength(read.value);
  const path = join(field, name);
  if (bytes > maxKeyBytes) return err(sizeError("key-too-large", path, name, bytes, maxKeyBytes, "bytes", "maxKeyBytes"));
  return read;
}

function readValue(obj: Fields, name: string, field: string): Parsed<string> {
  const read = readString(obj, name, field);
  if (!read.ok) return read;
  const bytes = utf8ByteLength(read.value);
  const path = join(field, name);
  if (bytes > maxValueBytes) return err(sizeError("value-too-large", path, name, bytes, maxValueBytes, "bytes", "maxValueBytes"));
  return read;
}

function clip(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 40)}…`;
}
