import { err, ok, type BlixardError, type Result } from "../errors";
import { FRAME_HEADER_BYTES } from "./framing";

export interface StorageOptions {
  /** A segment rolls over before an append would take it past this size. */
  readonly maxSegmentBytes: number;
  /** Largest encoded log record (one entry); bigger entries are refused before anything is written. */
  readonly maxRecordBytes: number;
  /** Largest encoded snapshot; bigger snapshots are refused before anything is written. */
  readonly maxSnapshotBytes: number;
}

export const DEFAULT_STORAGE_OPTIONS: StorageOptions = {
  maxSegmentBytes: 16 * 1024 * 1024,
  maxRecordBytes: 8 * 1024 * 1024,
  maxSnapshotBytes: 256 * 1024 * 1024,
};

export function resolveStorageOptions(nodeId: string, overrides: Partial<StorageOptions> = {}): Result<StorageOptions> {
  const options = { ...DEFAULT_STORAGE_OPTIONS, ...overrides };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1) return err(invalid(nodeId, `${name} must be a positive integer, got ${value}`));
  }
  if (options.maxRecordBytes + FRAME_HEADER_BYTES > options.maxSegmentBytes) {
    return err(invalid(nodeId, `maxRecordBytes ${options.maxRecordBytes} plus a ${FRAME_HEADER_BYTES}-byte header must fit in maxSegmentBytes ${options.maxSegmentBytes}`));
  }
  return ok(options);
}

function invalid(nodeId: string, detail: string): BlixardError {
  return { code: "storage-invalid-options", message: `raft storage options for node ${nodeId} are invalid: ${detail}`, nodeId, hint: "fix the storage section of the node configuration" };
}
