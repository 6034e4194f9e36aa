import { err, ok, type Result } from "../errors";
import { maxEntryDataBytes } from "../raft/messages";
import { encodeCommandEnvelope, type CommandEnvelope } from "../state/envelope";
import { sizeError, type ClientError } from "./client-errors";
import type { ClientRequestBody } from "./wire-types";

/**
 * The log entry data for a validated client request: a CommandEnvelope whose
 * session fields are the request's (clientId, seq) when it has a seq (writes
 * always do), and absent otherwise (a read sent through the log is not deduplicated).
 *
 * JSON escaping can make a command much longer than its raw bytes (a control
 * character becomes 6 characters), so the encoded length is checked against
 * raft's entry bound here, at the door, rather than failing later at propose.
 */
export function encodeClientCommand(
  request: ClientRequestBody,
  proposedAtMs: number,
  maxEntryChars: number = maxEntryDataBytes,
): Result<string, ClientError> {
  const { op, seq } = request;
  const envelope: CommandEnvelope =
    seq === undefined
      ? { module: op.module, proposedAtMs, command: op.command }
      : { module: op.module, clientId: request.clientId, seq, proposedAtMs, command: op.command };
  const data = encodeCommandEnvelope(envelope);
  if (data.length <= maxEntryChars) return ok(data);
  const isBatch = (request.op.command as { type?: unknown } | null)?.type === "batch";
  return err(
    sizeError(isBatch ? "batch-too-large" : "value-too-large", "op.command", "the encoded command", data.length, maxEntryChars, "characters", "maxEntryDataBytes"),
  );
}
