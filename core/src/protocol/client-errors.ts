import type { BlixardError } from "../errors";

/**
 * Errors a client can receive. Every one is a BlixardError value with a stable
 * code; some carry one extra machine-readable detail (the offending field, the
 * leader to retry against).
 */
export type ClientErrorCode =
  | "not-leader"
  | "timeout"
  | "duplicate-stale"
  | "session-expired"
  | "invalid-request"
  | "key-too-large"
  | "value-too-large"
  | "batch-too-large"
  | "scan-limit-too-large"
  | "unavailable"
  | "overloaded";

export interface ClientError extends BlixardError {
  readonly code: ClientErrorCode;
  /** Dotted path of the offending field, for invalid-request and the size errors. */
  readonly field?: string;
  /** The node this node believes leads, for not-leader. */
  readonly leaderHint?: string;
}

export function invalidRequest(field: string, message: string): ClientError {
  return { code: "invalid-request", field, message, hint: `fix the field "${field}" and resend` };
}

export function notLeader(nodeId: string, leaderHint: string | null): ClientError {
  const where = leaderHint === null ? "the leader is unknown" : `the leader is believed to be ${leaderHint}`;
  return {
    code: "not-leader",
    message: `node ${nodeId} is not the leader; ${where}`,
    nodeId,
    ...(leaderHint === null ? {} : { leaderHint }),
    hint: leaderHint === null ? "retry after an election settles" : `retry against ${leaderHint}`,
  };
}

export function unavailable(nodeId: string, why: string): ClientError {
  return { code: "unavailable", message: `node ${nodeId} cannot serve the request: ${why}`, nodeId, hint: "retry later" };
}

/**
 * The node sheds this request to keep serving everyone else (and to keep
 * its Raft traffic on time): nothing was applied. Clients back off and retry.
 */
export function overloaded(nodeId: string, why: string): ClientError {
  return { code: "overloaded", message: `node ${nodeId} is overloaded: ${why}`, nodeId, hint: "back off and retry; nothing was applied" };
}

/**
 * A follower forwarded the request to a leader it has since lost its
 * connection to: the forward may or may not have arrived, so the outcome is
 * as unknown as after a timeout (same code), but the client hears it now.
 */
export function forwardLost(nodeId: string, leaderId: string, requestId: string): ClientError {
  return {
    code: "timeout",
    message: `node ${nodeId} forwarded request ${requestId} to the leader ${leaderId}, which it can no longer reach; the outcome is unknown`,
    nodeId,
    hint: "retry with the same client id and sequence number (another node will lead soon); it applies at most once",
  };
}

export function requestTimeout(nodeId: string, requestId: string): ClientError {
  return {
    code: "timeout",
    message: `request ${requestId} was not answered by node ${nodeId} in time`,
    nodeId,
    hint: "the outcome is unknown; retry with the same client id and sequence number to apply it at most once",
  };
}

export function duplicateStale(clientId: string, seq: number, lastSeq: number, why: string): ClientError {
  return {
    code: "duplicate-stale",
    message: `client ${clientId} request seq ${seq} was already applied (last applied seq ${lastSeq}) and ${why}`,
    hint: "the request took effect once; do not retry it, continue with a higher seq",
  };
}

export function sessionExpired(clientId: string, seq: number): ClientError {
  return {
    code: "session-expired",
    message: `client ${clientId} has no session (never opened or evicted) and seq ${seq} is not 1`,
    hint: "start a new session: a fresh client id with seq 1; earlier requests may or may not have applied",
  };
}

/** "key is 1500 bytes; the limit is 1024 bytes (maxKeyBytes)" */
export function sizeError(
  code: "key-too-large" | "value-too-large" | "batch-too-large" | "scan-limit-too-large",
  field: string,
  what: string,
  actual: number,
  limit: number,
  unit: string,
  limitName: string,
): ClientError {
  return {
    code,
    field,
    message: `${what} is ${actual} ${unit}; the limit is ${limit} ${unit} (${limitName})`,
    hint: `keep ${what} within ${limit} ${unit}`,
  };
}
