import { err, ok, type Result } from "../errors";
import { invalidRequest } from "./client-errors";
import { checkOnlyFields, readId, readObject, readOptionalString, readString, type Fields } from "./fields";
import { maxNodeIdChars, maxRequestIdChars, wireVersion, type WireError, type WireMessage } from "./wire-types";

const errorCodePattern = /^[a-z][a-z0-9-]{0,63}$/;
/** Longest error message or hint carried back to a client, in UTF-16 units. */
export const maxErrorTextChars = 4096;

/** A client-response carries exactly one of `result` or `error`. */
export function validateResponse(value: Fields): Result<WireMessage, WireError> {
  const only = checkOnlyFields(value, ["v", "kind", "requestId", "result", "error", "leaderHint"], "");
  if (!only.ok) return only;
  const requestId = readId(value, "requestId", "", maxRequestIdChars);
  if (!requestId.ok) return requestId;
  const hasResult = "result" in value;
  const hasError = value["error"] !== undefined;
  if (hasResult === hasError) return err(invalidRequest("result", "a client-response carries exactly one of result or error"));
  const hint = readOptionalString(value, "leaderHint", "");
  if (!hint.ok) return hint;
  if (hint.value !== undefined && (hint.value.length === 0 || hint.value.length > maxNodeIdChars)) {
    return err(invalidRequest("leaderHint", `leaderHint must be a node id of 1 to ${maxNodeIdChars} characters`));
  }
  if (hasResult) {
    // On a result relayed by a follower, leaderHint tells the client where to go directly next time.
    const base = { v: wireVersion, kind: "client-response", requestId: requestId.value, result: value["result"] } as const;
    return ok(hint.value === undefined ? base : { ...base, leaderHint: hint.value });
  }
  const error = readWireError(value["error"]);
  if (!error.ok) return error;
  const base = { v: wireVersion, kind: "client-response", requestId: requestId.value, error: error.value } as const;
  return ok(hint.value === undefined ? base : { ...base, leaderHint: hint.value });
}

function readWireError(value: unknown): Result<WireError, WireError> {
  const obj = readObject(value, "error");
  if (!obj.ok) return obj;
  const only = checkOnlyFields(obj.value, ["code", "message", "nodeId", "hint", "field", "leaderHint"], "error");
  if (!only.ok) return only;
  const code = readString(obj.value, "code", "error");
  if (!code.ok) return code;
  if (!errorCodePattern.test(code.value)) return err(invalidRequest("error.code", "error.code must be kebab-case, 1 to 64 characters"));
  const out: Record<string, string> = { code: code.value };
  for (const name of ["message", "nodeId", "hint", "field", "leaderHint"]) {
    const text = name === "message" ? readString(obj.value, name, "error") : readOptionalString(obj.value, name, "error");
    if (!text.ok) return text;
    if (text.value === undefined) continue;
    if (text.value.length > maxErrorTextChars) {
      return err(invalidRequest(`error.${name}`, `error.${name} is ${text.value.length} characters; the limit is ${maxErrorTextChars}`));
    }
    out[name] = text.value;
  }
  return ok(out as unknown as WireError);
}
