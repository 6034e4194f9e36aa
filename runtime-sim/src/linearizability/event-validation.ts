import { err, ok, type Result } from "@blixard/core";
import { describeValue, historyFormatError } from "./format-error";
import {
  HISTORY_EVENT_TYPES,
  OPERATION_FUNCTIONS,
  type CasValue,
  type HistoryEvent,
  type HistoryEventType,
  type HistoryFormatError,
  type OperationFunction,
  type RegisterValue,
} from "./types";

/** Bounds on what a history may contain, so a forged history cannot exhaust memory. */
export interface HistoryLimits {
  readonly maxLineChars: number;
  readonly maxEvents: number;
  readonly maxKeyChars: number;
  readonly maxValueChars: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxLineChars: 256 * 1024,
  maxEvents: 2_000_000,
  maxKeyChars: 1024,
  maxValueChars: 64 * 1024,
};

const EVENT_FIELDS = ["process", "type", "f", "key", "value", "time"] as const;

type Checked<T> = Result<T, HistoryFormatError>;

/** Validates one decoded JSON value as a history event; `line` is 1-based, for the error message. */
export function validateHistoryEvent(raw: unknown, line: number, limits: HistoryLimits = DEFAULT_HISTORY_LIMITS): Checked<HistoryEvent> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return err(historyFormatError("history-event-not-object", line, undefined, `expected a JSON object, got ${describeValue(raw)}`));
  }
  const record = raw as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!(EVENT_FIELDS as readonly string[]).includes(name)) {
      return err(historyFormatError("history-unknown-field", line, name, `unknown field; allowed fields are ${EVENT_FIELDS.join(", ")}`));
    }
  }
  for (const name of EVENT_FIELDS) {
    if (!(name in record)) return err(historyFormatError("history-missing-field", line, name, "required field is missing"));
  }
  const processId = checkNonNegativeInteger(record.process, line, "process");
  if (!processId.ok) return processId;
  const type = checkMember(record.type, HISTORY_EVENT_TYPES, line, "type");
  if (!type.ok) return type;
  const f = checkMember(record.f, OPERATION_FUNCTIONS, line, "f");
  if (!f.ok) return f;
  const key = checkString(record.key, limits.maxKeyChars, line, "key");
  if (!key.ok) return key;
  const value = checkValue(record.value, f.value, type.value, line, limits);
  if (!value.ok) return value;
  const time = checkNonNegativeInteger(record.time, line, "time");
  if (!time.ok) return time;
  return ok({ process: processId.value, type: type.value, f: f.value, key: key.value, value: value.value, time: time.value });
}

function checkNonNegativeInteger(raw: unknown, line: number, field: string): Checked<number> {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    return err(historyFormatError("history-invalid-integer", line, field, `expected a non-negative safe integer, got ${describeValue(raw)}`));
  }
  return ok(raw);
}

function checkMember<T extends string>(raw: unknown, allowed: readonly T[], line: number, field: string): Checked<T> {
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    return err(historyFormatError("history-invalid-enum", line, field, `expected one of ${allowed.join(", ")}, got ${describeValue(raw)}`));
  }
  return ok(raw as T);
}

function checkString(raw: unknown, maxChars: number, line: number, field: string): Checked<string> {
  if (typeof raw !== "string") return err(historyFormatError("history-invalid-string", line, field, `expected a string, got ${describeValue(raw)}`));
  if (raw.length > maxChars) {
    return err(historyFormatError("history-value-too-large", line, field, `string of ${raw.length} chars exceeds the limit of ${maxChars} chars`));
  }
  return ok(raw);
}

function checkRegisterValue(raw: unknown, line: number, field: string, limits: HistoryLimits): Checked<RegisterValue> {
  if (raw === null) return ok(null);
  if (typeof raw !== "string") {
    return err(historyFormatError("history-invalid-value", line, field, `expected a string or null, got ${describeValue(raw)}`));
  }
  return checkString(raw, limits.maxValueChars, line, field);
}

function checkValue(
  raw: unknown,
  f: OperationFunction,
  type: HistoryEventType,
  line: number,
  limits: HistoryLimits,
): Checked<RegisterValue | CasValue> {
  if (f === "cas") {
    if (!Array.isArray(raw) || raw.length !== 2) {
      return err(historyFormatError("history-invalid-value", line, "value", `a cas value must be [expected, new], got ${describeValue(raw)}`));
    }
    const expected = checkRegisterValue(raw[0], line, "value[0]", limits);
    if (!expected.ok) return expected;
    const next = checkRegisterValue(raw[1], line, "value[1]", limits);
    if (!next.ok) return next;
    return ok([expected.value, next.value] as const);
  }
  if (f === "read" && type !== "ok" && raw !== null) {
    return err(historyFormatError("history-invalid-value", line, "value", `a read's ${type} must carry null (only its ok carries the value read), got ${describeValue(raw)}`));
  }
  return checkRegisterValue(raw, line, "value", limits);
}
