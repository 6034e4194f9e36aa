import { assert } from "@blixard/core";
import type { CasValue, HistoryEvent, HistoryEventType, OperationFunction, RegisterValue } from "./types";

/** What `invoke` hands back; pass it to ok/fail/info to complete that operation. */
export interface OperationHandle {
  readonly id: number;
  readonly process: number;
  readonly f: OperationFunction;
  readonly key: string;
}

type InvokeValue = RegisterValue | CasValue;

export interface HistoryRecorderOptions {
  /** Bound on recorded events; exceeding it is a harness bug (size the run, or raise the bound). */
  readonly maxEvents?: number;
}

const DEFAULT_MAX_EVENTS = 2_000_000;

/**
 * Records a client history as simulated clients run. Misuse (a busy process, time going backwards,
 * completing twice, a read ok without a value) is a bug in the harness, so it throws InvariantViolation
 * rather than recording a history no checker could trust.
 */
export class HistoryRecorder {
  private readonly recorded: HistoryEvent[] = [];
  private readonly open = new Map<number, { handle: OperationHandle; value: InvokeValue }>();
  private readonly maxEvents: number;
  private nextId = 0;
  private lastTimeNs = 0;

  constructor(options: HistoryRecorderOptions = {}) {
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  invoke(process: number, f: OperationFunction, key: string, value: InvokeValue, timeNs: number): OperationHandle {
    assert(Number.isSafeInteger(process) && process >= 0, "history process is a non-negative integer", () => `got ${process}`);
    assert(!this.open.has(process), "a process has at most one outstanding operation", () => `process ${process} invoked ${f} on ${key} while busy`);
    assert(f !== "read" || value === null, "a read invoke carries null", () => `process ${process}`);
    assert(f !== "cas" || (Array.isArray(value) && value.length === 2), "a cas invoke carries [expected, new]", () => `process ${process}`);
    assert(f === "cas" || !Array.isArray(value), "only cas carries a pair", () => `process ${process} ${f}`);
    this.append({ process, type: "invoke", f, key, value: copyValue(value), time: timeNs });
    const handle: OperationHandle = { id: this.nextId++, process, f, key };
    this.open.set(process, { handle, value: copyValue(value) });
    return handle;
  }

  /** The operation took effect. A read must pass the value it read; write/cas may omit the value. */
  ok(handle: OperationHandle, timeNs: number): void;
  ok(handle: OperationHandle, value: InvokeValue | undefined, timeNs: number): void;
  ok(handle: OperationHandle, valueOrTime: InvokeValue | number | undefined, timeNs?: number): void {
    this.complete("ok", handle, valueOrTime, timeNs);
  }

  /** The operation definitely did not take effect. */
  fail(handle: OperationHandle, timeNs: number): void;
  fail(handle: OperationHandle, value: InvokeValue | undefined, timeNs: number): void;
  fail(handle: OperationHandle, valueOrTime: InvokeValue | number | undefined, timeNs?: number): void {
    this.complete("fail", handle, valueOrTime, timeNs);
  }

  /** Indeterminate (e.g. a timeout): the operation may take effect at any time after its invoke, or never. */
  info(handle: OperationHandle, timeNs: number): void;
  info(handle: OperationHandle, value: InvokeValue | undefined, timeNs: number): void;
  info(handle: OperationHandle, valueOrTime: InvokeValue | number | undefined, timeNs?: number): void {
    this.complete("info", handle, valueOrTime, timeNs);
  }

  /** Processes with an operation still outstanding, ascending. */
  outstandingProcesses(): number[] {
    return [...this.open.keys()].sort((a, b) => a - b);
  }

  /** A copy of the history so far; outstanding operations count as "info" when checked. */
  events(): HistoryEvent[] {
    return this.recorded.slice();
  }

  get eventCount(): number {
    return this.recorded.length;
  }

  private complete(type: Exclude<HistoryEventType, "invoke">, handle: OperationHandle, valueOrTime: InvokeValue | number | undefined, timeNs: number | undefined): void {
    const [value, time] = typeof valueOrTime === "number" ? [undefined, valueOrTime] : [valueOrTime, timeNs];
    assert(time !== undefined, "a completion carries a time", () => `process ${handle.process} ${type}`);
    const open = this.open.get(handle.process);
    assert(open !== undefined && open.handle.id === handle.id, "an operation completes exactly once", () => `process ${handle.process} op ${handle.id} ${type}`);
    let recordedValue: InvokeValue;
    if (handle.f === "read") {
      assert(type !== "ok" || value !== undefined, "a read ok carries the value read", () => `process ${handle.process}`);
      assert(type === "ok" || value === undefined || value === null, "a failed or indeterminate read carries no value", () => `process ${handle.process}`);
      assert(!Array.isArray(value), "a read value is a string or null", () => `process ${handle.process}`);
      recordedValue = type === "ok" ? (value as RegisterValue) : null;
    } else {
      assert(value === undefined || sameValue(value, open.value), "a completion repeats its invoke's value", () => `process ${handle.process} ${handle.f}`);
      recordedValue = copyValue(open.value);
    }
    this.append({ process: handle.process, type, f: handle.f, key: handle.key, value: recordedValue, time });
    this.open.delete(handle.process);
  }

  private append(event: HistoryEvent): void {
    assert(Number.isSafeInteger(event.time) && event.time >= this.lastTimeNs, "history time is a non-decreasing integer", () => `got ${event.time} after ${this.lastTimeNs}`);
    assert(this.recorded.length < this.maxEvents, "history stays within maxEvents", () => `limit ${this.maxEvents}`);
    this.lastTimeNs = event.time;
    this.recorded.push(event);
  }
}

function copyValue(value: InvokeValue): InvokeValue {
  return Array.isArray(value) ? ([value[0], value[1]] as const) : value;
}

function sameValue(a: InvokeValue, b: InvokeValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a[0] === b[0] && a[1] === b[1];
  return a === b;
}
