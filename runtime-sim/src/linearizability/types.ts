import type { BlixardError } from "@blixard/core";

/** A register holds a string, or nothing (absent). A register starts absent. */
export type RegisterValue = string | null;

/** A compare-and-set argument: [expected, new]. */
export type CasValue = readonly [expected: RegisterValue, next: RegisterValue];

export type OperationFunction = "read" | "write" | "cas";
export const OPERATION_FUNCTIONS: readonly OperationFunction[] = ["read", "write", "cas"];

/**
 * invoke: the client sent the request.
 * ok: it took effect (a read's ok carries the value read).
 * fail: it definitely did not take effect.
 * info: indeterminate — it may take effect at any time after its invoke, or never.
 */
export type HistoryEventType = "invoke" | "ok" | "fail" | "info";
export const HISTORY_EVENT_TYPES: readonly HistoryEventType[] = ["invoke", "ok", "fail", "info"];

/**
 * One line of a client history (Jepsen style). `value` by function:
 * - read: null on invoke, the value read on ok, null on fail/info;
 * - write: the value written, on every event;
 * - cas: [expected, new], on every event.
 */
export interface HistoryEvent {
  readonly process: number;
  readonly type: HistoryEventType;
  readonly f: OperationFunction;
  readonly key: string;
  readonly value: RegisterValue | CasValue;
  /** Virtual nanoseconds; non-decreasing along a history. */
  readonly time: number;
}

/** How an operation ended; "info" also covers an operation with no completion. */
export type OperationStatus = "ok" | "fail" | "info";

interface OperationBase {
  /** Position of the operation's invoke among all invokes in the history (0-based). */
  readonly id: number;
  readonly process: number;
  readonly key: string;
  readonly status: OperationStatus;
  readonly invokeTimeNs: number;
  /** null when the outcome is indeterminate: the operation may take effect at any time after invoke. */
  readonly completeTimeNs: number | null;
}

export interface ReadOperation extends OperationBase {
  readonly f: "read";
  /** The value read; meaningful only when status is "ok". */
  readonly output: RegisterValue;
}

export interface WriteOperation extends OperationBase {
  readonly f: "write";
  readonly value: RegisterValue;
}

export interface CasOperation extends OperationBase {
  readonly f: "cas";
  readonly expected: RegisterValue;
  readonly next: RegisterValue;
}

/** An invoke paired with its completion. */
export type Operation = ReadOperation | WriteOperation | CasOperation;

/** A malformed history: which line (1-based) and, where it applies, which field. */
export interface HistoryFormatError extends BlixardError {
  readonly line: number;
  readonly field?: string;
}
