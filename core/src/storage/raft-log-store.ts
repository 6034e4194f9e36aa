import { err, ok, type BlixardError, type Result } from "../errors";
import { DiskIoError, type Disk } from "../ports/disk";
import type { HardState, Snapshot } from "../raft/log-types";
import { concatBytes } from "./framing";
import { planPersist, type PersistInput, type PersistPlan } from "./persist-plan";
import { planCompaction } from "./compaction-plan";
import { replayStorage, type RecoveredState } from "./replay";
import { HARD_STATE_FILE, SNAPSHOT_FILE, type SegmentIndex, type SegmentInfo } from "./segments";
import { resolveStorageOptions, type StorageOptions } from "./storage-options";
import { TermLog } from "./term-log";

export interface LogStoreStats {
  /** Bytes in all log segments, including records the snapshot has made obsolete. */
  readonly logBytes: number;
  /** Live entries after the snapshot. */
  readonly entryCount: number;
  /** First live index (snapshotIndex + 1, even when the log is empty). */
  readonly firstIndex: number;
  /** Last live index (the snapshot index when the log is empty). */
  readonly lastIndex: number;
  readonly segments: number;
  readonly snapshotIndex: number;
}

export interface OpenedStore {
  readonly store: RaftLogStore;
  readonly recovered: RecoveredState;
}

/**
 * Durable Raft state of one node over its Disk port: hard state, latest
 * snapshot, and the log as append-only checksummed segments. The hard state
 * is rewritten only when the term or vote changes; the commit index it holds
 * may lag (Raft does not need it durable, and a restarted node relearns it). Every call writes
 * its whole change and then syncs, so after a crash open() recovers exactly the
 * last completed call. See records.ts for how truncation and snapshot installs
 * are logged (as appended records, never by rewriting a segment: appends plus
 * batch-end markers keep every crash point simple), framing.ts for the record format.
 *
 * Segments a new snapshot covers are deleted only after the snapshot is synced:
 * compact() syncs twice for that; persist() keeps to one sync and leaves the
 * deletions to be made durable by the next sync (a segment that comes back
 * after a crash holds only entries the snapshot covers, which replay skips).
 *
 * After a disk I/O failure the store refuses further writes: what reached the
 * device is unknown, so the node must restart and recover from disk.
 */
export class RaftLogStore {
  private failure: BlixardError | null = null;

  // log, hardState, hardStateOnDisk and options are public read-only so the store is its own StoredView (persist-plan.ts).
  private constructor(
    private readonly disk: Disk,
    readonly nodeId: string,
    readonly options: StorageOptions,
    readonly log: TermLog,
    private readonly segments: SegmentIndex,
    private hardStateValue: HardState,
    private hardStateDurable: boolean,
  ) {}

  get hardState(): HardState {
    return this.hardStateValue;
  }

  get hardStateOnDisk(): boolean {
    return this.hardStateDurable;
  }

  static open(disk: Disk, nodeId: string, overrides: Partial<StorageOptions> = {}): Result<OpenedStore> {
    const options = resolveStorageOptions(nodeId, overrides);
    if (!options.ok) return options;
    return guardIo(nodeId, "open", () => {
      const replay = replayStorage(disk, nodeId);
      if (!replay.ok) return replay;
      const { recovered, repair, segments, hardStateOnDisk } = replay.value;
      if (repair !== null) {
        disk.overwrite(repair.file, repair.keepBytes);
        for (const file of repair.removeFiles) disk.remove(file);
        disk.sync();
      }
      const meta = recovered.snapshot?.meta;
      const log = new TermLog(meta?.index ?? 0, meta?.term ?? 0, recovered.entries.map((entry) => entry.term));
      const store = new RaftLogStore(disk, nodeId, options.value, log, segments, recovered.hardState, hardStateOnDisk);
      return ok({ store, recovered });
    });
  }

  /** Makes one Ready's hard state, entries and snapshot durable with a single sync. */
  persist(input: PersistInput): Result<void> {
    if (this.failure) return err(this.failure);
    const plan = planPersist(this, input);
    if (!plan.ok) return plan;
    // Inline rather than through writing(): this runs on every Ready of every node.
    try {
      this.applyPersist(plan.value);
      return ok(undefined);
    } catch (error) {
      return this.poisoned("persist", error);
    }
  }

  /** Records the application's own snapshot at index i and drops the log up to i. */
  compact(snapshot: Snapshot): Result<void> {
    if (this.failure) return err(this.failure);
    const plan = planCompaction(this, snapshot);
    if (!plan.ok) return plan;
    const { index, term } = snapshot.meta;
    return this.writing("compact", () => {
      this.disk.overwrite(SNAPSHOT_FILE, plan.value.frame);
      // The snapshot must be durable before any segment it replaces disappears.
      this.disk.sync();
      this.log.rebase(index, term, true);
      this.removeCoveredSegments(index);
      this.disk.sync();
    });
  }

  stats(): LogStoreStats {
    return {
      logBytes: this.segments.totalBytes(),
      entryCount: this.log.entryCount,
      firstIndex: this.log.firstIndex,
      lastIndex: this.log.lastIndex,
      segments: this.segments.segments.length,
      snapshotIndex: this.log.baseIndex,
    };
  }

  private applyPersist(plan: PersistPlan): void {
    this.appendRecords(plan.records);
    if (plan.snapshot) this.disk.overwrite(SNAPSHOT_FILE, plan.snapshot.frame);
    if (plan.hardStateFrame) this.disk.overwrite(HARD_STATE_FILE, plan.hardStateFrame);
    // A commit-only change writes nothing (see persist-plan.ts), so it needs no fsync either.
    if (plan.records.length > 0 || plan.snapshot || plan.hardStateFrame) this.disk.sync();
    this.hardStateValue = plan.hardState;
    this.hardStateDurable = true;
    if (plan.snapshot) {
      const { index, term } = plan.snapshot.value.meta;
      this.log.rebase(index, term, plan.snapshot.keepSuffix);
    }
    for (const { record } of plan.records) {
      if (record.type === "truncate") this.log.truncateFrom(record.fromIndex);
      if (record.type === "entry") this.log.append(record.entry.index, record.entry.term);
    }
    // Deleting covered segments only after the snapshot is durable; the next sync makes the deletions durable.
    if (plan.snapshot) this.removeCoveredSegments(plan.snapshot.value.meta.index);
  }

  /** One disk append per segment touched; a segment rolls over before it would pass maxSegmentBytes. */
  private appendRecords(records: PersistPlan["records"]): void {
    if (records.length === 0) return;
    let segment: SegmentInfo = this.segments.tail() ?? this.segments.openSegment();
    let chunk: Uint8Array[] = [];
    for (const { record, frame } of records) {
      if (segment.bytes > 0 && segment.bytes + frame.length > this.options.maxSegmentBytes) {
        this.flush(segment, chunk);
        segment = this.segments.openSegment();
        chunk = [];
      }
      chunk.push(frame);
      segment.bytes += frame.length;
      if (record.type === "entry") this.segments.noteEntry(segment, record.entry.index);
      if (record.type === "truncate") this.segments.noteTruncate(record.fromIndex);
      if (record.type === "restart") this.segments.noteRestart(record.snapshotIndex);
    }
    this.flush(segment, chunk);
  }

  private flush(segment: SegmentInfo, chunk: Uint8Array[]): void {
    if (chunk.length > 0) this.disk.append(segment.file, chunk.length === 1 ? (chunk[0] as Uint8Array) : concatBytes(chunk));
  }

  private removeCoveredSegments(snapshotIndex: number): void {
    const removable = this.segments.removablePrefix(snapshotIndex);
    for (const segment of removable) this.disk.remove(segment.file);
    this.segments.dropPrefix(removable.length);
  }

  /** Runs a write; a device failure poisons the store (see the class comment). */
  private writing(op: string, write: () => void): Result<void> {
    try {
      write();
      return ok(undefined);
    } catch (error) {
      return this.poisoned(op, error);
    }
  }

  private poisoned(op: string, error: unknown): Result<never> {
    const failed = ioFailure(this.nodeId, op, error);
    this.failure = failed;
    return err(failed);
  }
}

/** A DiskIoError as the store's error value; anything else is a bug and propagates. */
function ioFailure(nodeId: string, op: string, error: unknown): BlixardError {
  if (!(error instanceof DiskIoError)) throw error;
  return {
    code: "storage-io-failed",
    message: `raft storage ${op} on node ${nodeId} failed: ${error.message}`,
    nodeId,
    hint: "the disk failed mid-write; restart the node so it recovers its state from what is durable, and check the device",
  };
}

function guardIo<T>(nodeId: string, op: string, run: () => Result<T>): Result<T> {
  try {
    return run();
  } catch (error) {
    return err(ioFailure(nodeId, op, error));
  }
}
