import { err, ok, type Result } from "../errors";
import type { Snapshot } from "../raft/log-types";
import { encodeFrame } from "./framing";
import type { StoredView } from "./persist-plan";
import { encodeSnapshot, isIndex } from "./records";
import { storageRejected } from "./storage-errors";

/** Checks the application's own snapshot against the stored log and encodes it. */
export function planCompaction(view: StoredView, snapshot: Snapshot): Result<{ readonly frame: Uint8Array }> {
  const { index, term } = snapshot.meta;
  const reject = (code: string, message: string, hint: string): Result<never> => err(storageRejected(code, view.nodeId, message, hint));
  const callerBug = "compact only with a snapshot of applied (committed) state taken from this node's log";
  if (!isIndex(index) || !isIndex(term)) return reject("storage-invalid-compaction", `snapshot index ${index} / term ${term} are not positive integers`, callerBug);
  if (index <= view.log.baseIndex) {
    return reject("storage-stale-snapshot", `snapshot at index ${index} is not newer than the stored snapshot at ${view.log.baseIndex}`, "nothing to do: a newer snapshot is already durable");
  }
  if (index > view.hardState.commit) return reject("storage-invalid-compaction", `snapshot at index ${index} is beyond commit ${view.hardState.commit}`, callerBug);
  const storedTerm = view.log.termAt(index);
  if (storedTerm !== term) return reject("storage-invalid-compaction", `snapshot ${index}@${term} does not match the stored entry's term ${storedTerm}`, callerBug);
  const payload = encodeSnapshot(snapshot);
  if (payload.length > view.options.maxSnapshotBytes) {
    return reject("storage-snapshot-too-large", `snapshot at index ${index} encodes to ${payload.length} bytes, above maxSnapshotBytes ${view.options.maxSnapshotBytes}`, "raise maxSnapshotBytes or shrink the state");
  }
  return ok({ frame: encodeFrame(payload) });
}
