import { err, ok, type Result } from "@blixard/core";
import { historyFormatError } from "./format-error";
import type { CasValue, HistoryEvent, HistoryEventType, HistoryFormatError, OperationFunction, RegisterValue } from "./types";

/**
 * Parses a Jepsen single-register log (as in Jepsen's etcd tests):
 *   INFO  jepsen.util - PROCESS<TAB>:TYPE<TAB>:F<TAB>VALUE
 * Fields may be separated by tabs or spaces. VALUE is `nil` (absent), a token, `[expected new]` for cas,
 * or a keyword such as `:timed-out` on fail/info lines (then the invoke's value is carried over).
 * The log has no clock, so each event's time is its 1-based line number; line order is real-time order.
 * Every event gets the same `key`: the log describes one register.
 */
export function parseJepsenRegisterLog(text: string, key = "register"): Result<HistoryEvent[], HistoryFormatError> {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const invokeValues = new Map<number, RegisterValue | CasValue>();
  const events: HistoryEvent[] = [];
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const parsed = parseLine((lines[index] ?? "").replace(/\r$/, ""), lineNumber);
    if (!parsed.ok) return parsed;
    const { process, type, f, rawValue } = parsed.value;
    const value = resolveValue(type, f, rawValue, invokeValues.get(process), lineNumber);
    if (!value.ok) return value;
    if (type === "invoke") invokeValues.set(process, value.value);
    else invokeValues.delete(process);
    events.push({ process, type, f, key, value: value.value, time: lineNumber });
  }
  return ok(events);
}

const LINE_PATTERN = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(\S+)\s+:(\S+)\s+(.*?)\s*$/;

interface RawLine {
  readonly process: number;
  readonly type: HistoryEventType;
  readonly f: OperationFunction;
  readonly rawValue: string;
}

function parseLine(line: string, lineNumber: number): Result<RawLine, HistoryFormatError> {
  const match = LINE_PATTERN.exec(line);
  if (match === null) {
    return err(historyFormatError("jepsen-unrecognised-line", lineNumber, undefined, `expected "INFO  jepsen.util - PROCESS :TYPE :F VALUE", got ${JSON.stringify(line.slice(0, 80))}`));
  }
  const [, processText = "", type = "", f = "", rawValue = ""] = match;
  const process = Number(processText);
  if (!Number.isSafeInteger(process)) return err(historyFormatError("jepsen-invalid-process", lineNumber, "process", `process ${processText} is not a safe integer`));
  if (type !== "invoke" && type !== "ok" && type !== "fail" && type !== "info") {
    return err(historyFormatError("jepsen-invalid-type", lineNumber, "type", `expected :invoke, :ok, :fail or :info, got :${type}`));
  }
  if (f !== "read" && f !== "write" && f !== "cas") {
    return err(historyFormatError("jepsen-invalid-function", lineNumber, "f", `expected :read, :write or :cas, got :${f}`));
  }
  return ok({ process, type, f, rawValue });
}

function resolveValue(
  type: HistoryEventType,
  f: OperationFunction,
  rawValue: string,
  invokeValue: RegisterValue | CasValue | undefined,
  lineNumber: number,
): Result<RegisterValue | CasValue, HistoryFormatError> {
  if (f === "read") {
    // A read's value is known only on :ok; elsewhere it is nil or a keyword such as :timed-out.
    if (type !== "ok") return ok(null);
    return parseRegisterValue(rawValue, lineNumber);
  }
  if (type !== "invoke" && rawValue.startsWith(":")) {
    // Indeterminate/failed completion that lost its value: it refers to the process's invoke.
    if (invokeValue === undefined) {
      return err(historyFormatError("jepsen-completion-without-invoke", lineNumber, "value", `${rawValue} completion has no outstanding invoke to take its value from`));
    }
    return ok(invokeValue);
  }
  if (f === "write") return parseRegisterValue(rawValue, lineNumber);
  const cas = /^\[(\S+)\s+(\S+)\]$/.exec(rawValue);
  if (cas === null) return err(historyFormatError("jepsen-invalid-value", lineNumber, "value", `a cas value must be [expected new], got ${JSON.stringify(rawValue)}`));
  const expected = parseRegisterValue(cas[1] ?? "", lineNumber);
  if (!expected.ok) return expected;
  const next = parseRegisterValue(cas[2] ?? "", lineNumber);
  if (!next.ok) return next;
  return ok([expected.value, next.value] as const);
}

function parseRegisterValue(raw: string, lineNumber: number): Result<RegisterValue, HistoryFormatError> {
  if (raw === "nil") return ok(null);
  if (raw === "" || /\s/.test(raw) || raw.startsWith("[") || raw.startsWith(":")) {
    return err(historyFormatError("jepsen-invalid-value", lineNumber, "value", `expected nil or a single token, got ${JSON.stringify(raw)}`));
  }
  return ok(raw);
}
