import { assert, err, ok, type Result } from "@blixard/core";
import { describeValue, historyFormatError } from "./format-error";
import type { CasValue, HistoryEvent, HistoryFormatError, Operation, OperationStatus, RegisterValue } from "./types";

interface OpenInvoke {
  readonly id: number;
  readonly event: HistoryEvent;
  readonly line: number;
}

/**
 * Pairs each invoke with its process's next completion. Rules checked (errors name the 1-based line):
 * times never go backwards; a process has at most one outstanding operation; a completion matches its
 * invoke's function, key and (for write/cas) value. An invoke with no completion by the end is "info".
 * Operations come back in invoke order, `id` = position among invokes.
 */
export function pairOperations(events: readonly HistoryEvent[]): Result<Operation[], HistoryFormatError> {
  const outstanding = new Map<number, OpenInvoke>();
  const operations: Array<Operation | undefined> = [];
  let previousTime = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const line = index + 1;
    if (event.time < previousTime) {
      return err(historyFormatError("history-time-went-backwards", line, "time", `time ${event.time} is before the previous event's time ${previousTime}`));
    }
    previousTime = event.time;
    const open = outstanding.get(event.process);
    if (event.type === "invoke") {
      if (open !== undefined) {
        return err(historyFormatError("history-process-busy", line, "process", `process ${event.process} invokes while its operation from line ${open.line} is still outstanding`));
      }
      outstanding.set(event.process, { id: operations.length, event, line });
      operations.push(undefined);
      continue;
    }
    if (open === undefined) {
      return err(historyFormatError("history-completion-without-invoke", line, "process", `process ${event.process} completes (${event.type}) with no outstanding invoke`));
    }
    const mismatch = completionMismatch(open, event, line);
    if (mismatch !== undefined) return err(mismatch);
    outstanding.delete(event.process);
    operations[open.id] = toOperation(open, event.type, event.time, event.value);
  }
  for (const open of outstanding.values()) {
    operations[open.id] = toOperation(open, "info", null, open.event.f === "read" ? null : open.event.value);
  }
  return ok(operations.map((operation, id) => {
    assert(operation !== undefined, "every invoke becomes an operation", () => `operation ${id}`);
    return operation;
  }));
}

function completionMismatch(open: OpenInvoke, completion: HistoryEvent, line: number): HistoryFormatError | undefined {
  const invoke = open.event;
  if (completion.f !== invoke.f) {
    return historyFormatError("history-completion-mismatch", line, "f", `completion is ${completion.f} but the invoke on line ${open.line} is ${invoke.f}`);
  }
  if (completion.key !== invoke.key) {
    return historyFormatError("history-completion-mismatch", line, "key", `completion key ${describeValue(completion.key)} differs from invoke key ${describeValue(invoke.key)} on line ${open.line}`);
  }
  if (invoke.f !== "read" && !sameValue(invoke.value, completion.value)) {
    return historyFormatError("history-completion-mismatch", line, "value", `completion value ${describeValue(completion.value)} differs from invoke value ${describeValue(invoke.value)} on line ${open.line}`);
  }
  return undefined;
}

function sameValue(a: RegisterValue | CasValue, b: RegisterValue | CasValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a[0] === b[0] && a[1] === b[1];
  return a === b;
}

function toOperation(open: OpenInvoke, status: OperationStatus, completeTimeNs: number | null, completionValue: RegisterValue | CasValue): Operation {
  const invoke = open.event;
  // An info completion carries no time we can trust: the operation may take effect any time later.
  // One literal per kind (object spreads here cost a fifth of the end-of-run check).
  const { id } = open;
  const { process, key, time: invokeTimeNs } = invoke;
  const done = status === "info" ? null : completeTimeNs;
  if (invoke.f === "read") {
    const output = status === "ok" && !Array.isArray(completionValue) ? (completionValue as RegisterValue) : null;
    return { id, process, key, status, invokeTimeNs, completeTimeNs: done, f: "read", output };
  }
  if (invoke.f === "write") return { id, process, key, status, invokeTimeNs, completeTimeNs: done, f: "write", value: invoke.value as RegisterValue };
  const [expected, next] = invoke.value as CasValue;
  return { id, process, key, status, invokeTimeNs, completeTimeNs: done, f: "cas", expected, next };
}
