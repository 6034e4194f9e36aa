import { err, ok, type Result } from "../errors";
import { invalidRequest, type ClientError } from "./client-errors";

/**
 * Small strict readers for untrusted JSON values. Each names the dotted field
 * path it failed on, so a caller learns exactly what to fix.
 */
export type Fields = Readonly<Record<string, unknown>>;

export function isPlainObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describeType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function readObject(value: unknown, field: string): Result<Fields, ClientError> {
  if (isPlainObject(value)) return ok(value);
  return err(invalidRequest(field, `${field} must be an object, got ${describeType(value)}`));
}

/** Rejects fields outside `allowed`: a typo must not be silently ignored. */
export function checkOnlyFields(obj: Fields, allowed: readonly string[], field: string): Result<true, ClientError> {
  let clean = true;
  for (const name in obj) {
    if (!allowed.includes(name)) {
      clean = false;
      break;
    }
  }
  if (clean) return ok(true);
  // Only on refusal: sort, so the field named is the same whatever the sender's key order.
  for (const name of Object.keys(obj).sort()) {
    if (!allowed.includes(name)) {
      const path = field === "" ? name : `${field}.${name}`;
      return err(invalidRequest(path, `unknown field ${path}; allowed: ${allowed.join(", ")}`));
    }
  }
  return ok(true);
}

// The readers build a field's path only on refusal: they run for every field of every message.

export function readString(obj: Fields, name: string, field: string): Result<string, ClientError> {
  const value = obj[name];
  if (typeof value === "string") return ok(value);
  const path = join(field, name);
  return err(invalidRequest(path, `${path} must be a string, got ${describeType(value)}`));
}

export function readOptionalString(obj: Fields, name: string, field: string): Result<string | undefined, ClientError> {
  if (obj[name] === undefined) return ok(undefined);
  return readString(obj, name, field);
}

/** A non-empty string of at most `maxChars` UTF-16 units: ids, names. */
export function readId(obj: Fields, name: string, field: string, maxChars: number): Result<string, ClientError> {
  const read = readString(obj, name, field);
  if (!read.ok) return read;
  if (read.value.length > 0 && read.value.length <= maxChars) return read;
  const path = join(field, name);
  if (read.value.length === 0) return err(invalidRequest(path, `${path} must not be empty`));
  return err(invalidRequest(path, `${path} is ${read.value.length} characters; the limit is ${maxChars}`));
}

/** A safe integer within [min, max]. */
export function readInteger(obj: Fields, name: string, field: string, min: number, max: number): Result<number, ClientError> {
  const value = obj[name];
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max) return ok(value);
  const path = join(field, name);
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    return err(invalidRequest(path, `${path} must be an integer, got ${describeNumber(value)}`));
  }
  return err(invalidRequest(path, `${path} is ${value}; it must be between ${min} and ${max}`));
}

export function readOptionalInteger(
  obj: Fields,
  name: string,
  field: string,
  min: number,
  max: number,
): Result<number | undefined, ClientError> {
  if (obj[name] === undefined) return ok(undefined);
  return readInteger(obj, name, field, min, max);
}

export function readArray(obj: Fields, name: string, field: string): Result<readonly unknown[], ClientError> {
  const value = obj[name];
  if (Array.isArray(value)) return ok(value);
  const path = join(field, name);
  return err(invalidRequest(path, `${path} must be an array, got ${describeType(value)}`));
}

export function join(field: string, name: string): string {
  return field === "" ? name : `${field}.${name}`;
}

function describeNumber(value: unknown): string {
  if (typeof value === "number") return String(value);
  return describeType(value);
}
