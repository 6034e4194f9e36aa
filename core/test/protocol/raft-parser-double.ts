import { err, ok, type Result } from "../../src/errors";
import { raftMessageTypes, type RaftMessage } from "../../src/raft/messages";

/**
 * A stand-in for raft's parseRaftMessage (being written concurrently): checks
 * only the common header, which is all the wire codec relies on.
 */
export function parseRaftHeader(value: unknown): Result<RaftMessage> {
  const m = value as Record<string, unknown>;
  if (typeof m !== "object" || m === null) return err({ code: "invalid-raft-message", message: "not an object" });
  if (!raftMessageTypes.includes(m["type"] as RaftMessage["type"])) return err({ code: "invalid-raft-message", message: "bad type" });
  if (typeof m["from"] !== "string" || typeof m["to"] !== "string") return err({ code: "invalid-raft-message", message: "bad from/to" });
  if (!Number.isSafeInteger(m["term"])) return err({ code: "invalid-raft-message", message: "bad term" });
  return ok(value as RaftMessage);
}
