import type { WireError } from "./wire-types";

/** Why a received message was refused before any handler saw it. */
export type WireErrorCode =
  | "message-too-large"
  | "checksum-mismatch"
  | "invalid-encoding"
  | "invalid-json"
  | "malformed-binary"
  | "too-deeply-nested"
  | "unsupported-version"
  | "unknown-kind"
  | "forged-sender";

export function wireError(code: WireErrorCode, message: string, hint: string, field?: string): WireError {
  return { code, message, hint, ...(field === undefined ? {} : { field }) };
}
