import { err, ok, type Result } from "../errors";
import { invalidRequest, type ClientError } from "../protocol/client-errors";
import { checkOnlyFields, readId, readInteger, readObject } from "../protocol/fields";
import { COMPACT_ENVELOPE_MARK, decodeCompactEnvelope, encodeCompactEnvelope } from "./envelope-compact";

/** Longest client id, in UTF-16 units. */
export const maxClientIdChars = 128;
/** Longest module name, in UTF-16 units. */
export const maxModuleNameChars = 64;

/**
 * What a normal log entry's data decodes to. `clientId` and `seq` come
 * together (a client write, deduplicated by the session table) or not at all
 * (an internal proposal, e.g. from the scheduler). `proposedAtMs` is the
 * proposer's clock: the only time a module may read.
 */
export interface CommandEnvelope {
  readonly module: string;
  readonly clientId?: string;
  readonly seq?: number;
  readonly proposedAtMs: number;
  readonly command: unknown;
}

/** An entry's data: the compact form for a KV session command (envelope-compact.ts), JSON for the rest. */
export function encodeCommandEnvelope(envelope: CommandEnvelope): string {
  return encodeCompactEnvelope(envelope as unknown as Record<string, unknown>) ?? JSON.stringify(envelope);
}

/** Decode and shape-check an entry's data, in either spelling. Never throws. */
export function decodeCommandEnvelope(data: string): Result<CommandEnvelope, ClientError> {
  if (data.startsWith(COMPACT_ENVELOPE_MARK)) {
    const compact = decodeCompactEnvelope(data);
    if ("problem" in compact) return err(invalidRequest("entry.data", `compact entry data is malformed: ${compact.problem}`));
    return acceptCompact(compact.value);
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return err(invalidRequest("entry.data", `entry data is not valid JSON (${data.length} characters)`));
  }
  return validateCommandEnvelope(value);
}

/**
 * validateCommandEnvelope for a value decodeCompactEnvelope built: module
 * "kv", strings and decimal counts where they belong, so only the ranges are
 * left to check (this runs for every entry every replica applies). Anything
 * out of range takes the full validator, for its specific error.
 */
function acceptCompact(value: Record<string, unknown>): Result<CommandEnvelope, ClientError> {
  const clientId = value["clientId"] as string;
  const seq = value["seq"] as number;
  const proposedAtMs = value["proposedAtMs"] as number;
  if (clientId.length > 0 && clientId.length <= maxClientIdChars && seq >= 1 && Number.isSafeInteger(seq) && Number.isSafeInteger(proposedAtMs)) {
    return ok({ module: "kv", clientId, seq, proposedAtMs, command: value["command"] });
  }
  return validateCommandEnvelope(value);
}

export function validateCommandEnvelope(value: unknown): Result<CommandEnvelope, ClientError> {
  const obj = readObject(value, "envelope");
  if (!obj.ok) return obj;
  const only = checkOnlyFields(obj.value, ["module", "clientId", "seq", "proposedAtMs", "command"], "envelope");
  if (!only.ok) return only;
  const module = readId(obj.value, "module", "envelope", maxModuleNameChars);
  if (!module.ok) return module;
  const proposedAtMs = readInteger(obj.value, "proposedAtMs", "envelope", 0, Number.MAX_SAFE_INTEGER);
  if (!proposedAtMs.ok) return proposedAtMs;
  if (!("command" in obj.value)) return err(invalidRequest("envelope.command", "envelope.command is required"));
  const command = obj.value["command"];
  const hasClient = obj.value["clientId"] !== undefined;
  const hasSeq = obj.value["seq"] !== undefined;
  if (hasClient !== hasSeq) {
    const missing = hasClient ? "envelope.seq" : "envelope.clientId";
    return err(invalidRequest(missing, `${missing} is required when ${hasClient ? "clientId" : "seq"} is given`));
  }
  if (!hasClient) return ok({ module: module.value, proposedAtMs: proposedAtMs.value, command });
  const clientId = readId(obj.value, "clientId", "envelope", maxClientIdChars);
  if (!clientId.ok) return clientId;
  const seq = readInteger(obj.value, "seq", "envelope", 1, Number.MAX_SAFE_INTEGER);
  if (!seq.ok) return seq;
  return ok({ module: module.value, clientId: clientId.value, seq: seq.value, proposedAtMs: proposedAtMs.value, command });
}
