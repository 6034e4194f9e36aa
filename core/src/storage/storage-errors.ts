import type { BlixardError } from "../errors";

/** Stored bytes that fail validation. The node must not serve from them. */
export interface StorageCorruption extends BlixardError {
  readonly code: "storage-corrupt";
  readonly nodeId: string;
  /** The file that failed validation. */
  readonly file: string;
  /** Byte offset in `file` of the record that failed (0 for whole-file checks). */
  readonly offset: number;
  /** What is wrong, e.g. "payload checksum mismatch (stored 0x..., computed 0x...)". */
  readonly problem: string;
}

const CORRUPTION_HINT =
  "the node refuses to serve; restore this node by wiping its data directory and re-adding it as a new member";

export function storageCorrupt(nodeId: string, file: string, offset: number, problem: string): StorageCorruption {
  return {
    code: "storage-corrupt",
    message: `raft storage on node ${nodeId} is corrupt: ${file} at byte ${offset}: ${problem}`,
    nodeId,
    hint: CORRUPTION_HINT,
    file,
    offset,
    problem,
  };
}

/** The caller asked for something the store refuses to write (a bug upstream or an oversize value). */
export function storageRejected(code: string, nodeId: string, message: string, hint: string): BlixardError {
  return { code, message: `raft storage on node ${nodeId} refused the write: ${message}`, nodeId, hint };
}
