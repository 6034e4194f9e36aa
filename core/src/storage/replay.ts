import { err, ok, type Result } from "../errors";
import type { Disk } from "../ports/disk";
import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from "../raft/log-types";
import { readFrameAt } from "./framing";
import { decodeHardState, decodeLogRecord, decodeSnapshot, type LogRecord } from "./records";
import { HARD_STATE_FILE, parseSegmentSeq, SegmentIndex, SNAPSHOT_FILE, type SegmentInfo } from "./segments";
import { storageCorrupt, type StorageCorruption } from "./storage-errors";

/** What a node gets back from its disk after a (re)start. */
export interface RecoveredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Contiguous entries from snapshot index + 1 (or 1) to the last durable entry. */
  readonly entries: Entry[];
  /** True when an unsynced, partly written persist at the log's tail was dropped. */
  readonly tornTailDiscarded: boolean;
}

/** Bytes to cut from the log tail on open: an interrupted persist that must not be appended after. */
export interface TailRepair {
  readonly file: string;
  readonly keepBytes: Uint8Array;
  readonly removeFiles: readonly string[];
}

export interface ReplayOutcome {
  readonly recovered: RecoveredState;
  readonly hardStateOnDisk: boolean;
  /** Segment index as it will be once `repair` (if any) is applied. */
  readonly segments: SegmentIndex;
  readonly repair: TailRepair | null;
}

type Corrupt = Result<never, StorageCorruption>;

/** Reads and validates everything; never throws on bad bytes, never serves unverified data. */
export function replayStorage(disk: Disk, nodeId: string): Result<ReplayOutcome, StorageCorruption> {
  const snapshot = readSingleFrameFile(disk, nodeId, SNAPSHOT_FILE, decodeSnapshot);
  if (!snapshot.ok) return snapshot;
  const storedHardState = readSingleFrameFile(disk, nodeId, HARD_STATE_FILE, decodeHardState);
  if (!storedHardState.ok) return storedHardState;
  // Segment sequence numbers may have gaps: compaction deletes old segments after the
  // snapshot that covers them is durable, and those deletions need not land in order.
  // What must hold is checked on the entries themselves (contiguity after the snapshot).
  const files = disk.list().filter((file) => parseSegmentSeq(file) !== null);
  const log = replaySegments(disk, nodeId, files, snapshot.value);
  if (!log.ok) return log;
  const { replayer, tornTailDiscarded } = log.value;
  const unanchored = replayer.finish();
  if (unanchored !== null) return err(unanchored);

  let hardState = storedHardState.value;
  if (hardState === null) {
    if (snapshot.value !== null || replayer.sawCommittedRecord) {
      return err(storageCorrupt(nodeId, HARD_STATE_FILE, 0, "the hard state file is missing although the log or snapshot holds data"));
    }
    hardState = EMPTY_HARD_STATE;
  }
  const lastIndex = replayer.lastIndex();
  if (hardState.commit > lastIndex) {
    return err(storageCorrupt(nodeId, HARD_STATE_FILE, 0, `commit ${hardState.commit} is beyond the last stored index ${lastIndex}: a log segment is missing or was cut`));
  }
  return ok({
    recovered: { hardState, snapshot: snapshot.value, entries: replayer.live, tornTailDiscarded },
    hardStateOnDisk: storedHardState.value !== null,
    segments: log.value.segments,
    repair: log.value.repair,
  });
}

interface PendingRecord {
  readonly record: LogRecord;
  readonly segment: SegmentInfo;
  readonly offset: number;
}

interface LogReplay {
  readonly replayer: LogReplayer;
  readonly segments: SegmentIndex;
  readonly tornTailDiscarded: boolean;
  readonly repair: TailRepair | null;
}

function replaySegments(disk: Disk, nodeId: string, files: string[], snapshot: Snapshot | null): Result<LogReplay, StorageCorruption> {
  const infos: SegmentInfo[] = files.map((file) => ({ seq: parseSegmentSeq(file) as number, file, bytes: 0, maxLiveIndex: 0 }));
  const segments = new SegmentIndex(infos);
  const replayer = new LogReplayer(nodeId, snapshot, segments);
  let pending: PendingRecord[] = [];
  let committed: { segmentAt: number; offset: number; bytes: Uint8Array } = { segmentAt: 0, offset: 0, bytes: new Uint8Array(0) };
  let torn = false;
  for (let at = 0; at < infos.length && !torn; at++) {
    const segment = infos[at] as SegmentInfo;
    const bytes = disk.read(segment.file) ?? new Uint8Array(0);
    segment.bytes = bytes.length;
    if (at === 0) committed = { segmentAt: 0, offset: 0, bytes };
    let offset = 0;
    while (offset < bytes.length) {
      const frame = readFrameAt(bytes, offset);
      if (frame.kind === "corrupt") return err(storageCorrupt(nodeId, segment.file, offset, frame.problem));
      if (frame.kind === "incomplete") {
        if (at !== infos.length - 1) return err(storageCorrupt(nodeId, segment.file, offset, `${frame.problem}, in a segment that is not the last`));
        torn = true;
        break;
      }
      const decoded = decodeLogRecord(frame.payload);
      if (!decoded.ok) return err(storageCorrupt(nodeId, segment.file, offset, `not a valid log record: ${decoded.problem}`));
      pending.push({ record: decoded.value, segment, offset });
      if (decoded.value.end) {
        for (const item of pending) {
          const problem = replayer.apply(item.record, item.segment, item.offset);
          if (problem !== null) return err(storageCorrupt(nodeId, item.segment.file, item.offset, problem));
        }
        pending = [];
        committed = { segmentAt: at, offset: frame.end, bytes };
      }
      offset = frame.end;
    }
  }
  if (pending.length > 0) torn = true;
  if (!torn) return ok({ replayer, segments, tornTailDiscarded: false, repair: null });
  // Cut the log back to the end of the last complete persist, so new appends never follow garbage.
  const kept = infos[committed.segmentAt];
  if (kept === undefined) return ok({ replayer, segments, tornTailDiscarded: true, repair: null });
  const removeFiles = infos.slice(committed.segmentAt + 1).map((segment) => segment.file);
  infos.length = committed.segmentAt + 1;
  kept.bytes = committed.offset;
  const repair = { file: kept.file, keepBytes: committed.bytes.slice(0, committed.offset), removeFiles };
  return ok({ replayer, segments, tornTailDiscarded: true, repair });
}

/**
 * Applies committed log records in order, checking every invariant the writer promised.
 *
 * Live entries (above the snapshot) must form one contiguous run. Where older
 * segments were compacted away, the stream may open with entries that a later
 * truncate record voids, so whether the run starts right after the snapshot is
 * checked once every record has been applied (see `finish`).
 */
class LogReplayer {
  readonly live: Entry[] = [];
  sawCommittedRecord = false;
  private readonly snapshotIndex: number;
  private readonly snapshotTerm: number;
  /** Where the current live run's first entry was read, for the final check's error. */
  private runStart = { file: "", offset: 0 };

  constructor(
    readonly nodeId: string,
    snapshot: Snapshot | null,
    private readonly segments: SegmentIndex,
  ) {
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    this.snapshotTerm = snapshot?.meta.term ?? 0;
  }

  lastIndex(): number {
    const last = this.live[this.live.length - 1];
    return last ? last.index : this.snapshotIndex;
  }

  /** Returns what is wrong with `record` here, or null. */
  apply(record: LogRecord, segment: SegmentInfo, offset: number): string | null {
    this.sawCommittedRecord = true;
    switch (record.type) {
      case "entry":
        return this.applyEntry(record.entry, segment, offset);
      case "truncate": {
        const from = record.fromIndex;
        if (from > this.lastIndex() + 1) return `truncate from ${from} is past the log end ${this.lastIndex()}`;
        const first = this.live[0];
        if (first) this.live.length = Math.max(0, Math.min(this.live.length, from - first.index));
        this.segments.noteTruncate(from);
        return null;
      }
      case "restart": {
        const { snapshotIndex, snapshotTerm } = record;
        if (snapshotIndex > this.snapshotIndex) return `restart after snapshot ${snapshotIndex}, but the snapshot file holds index ${this.snapshotIndex}`;
        if (snapshotIndex === this.snapshotIndex && snapshotTerm !== this.snapshotTerm) {
          return `restart after snapshot ${snapshotIndex} at term ${snapshotTerm}, but the snapshot file has term ${this.snapshotTerm}`;
        }
        this.live.length = 0;
        this.segments.noteRestart(snapshotIndex);
        return null;
      }
    }
  }

  /** After the last record: the live run must start right after the snapshot. Returns the error, or null. */
  finish(): StorageCorruption | null {
    const first = this.live[0];
    if (first === undefined) return null;
    const { file, offset } = this.runStart;
    if (first.index !== this.snapshotIndex + 1) {
      return storageCorrupt(this.nodeId, file, offset, `the first entry after snapshot index ${this.snapshotIndex} is ${first.index}: entries in between are missing`);
    }
    if (first.term < this.snapshotTerm) {
      return storageCorrupt(this.nodeId, file, offset, `entry ${first.index} has term ${first.term}, below the snapshot term ${this.snapshotTerm}`);
    }
    return null;
  }

  /** Entries at or below the snapshot are history the snapshot covers; only what follows it must line up. */
  private applyEntry(entry: Entry, segment: SegmentInfo, offset: number): string | null {
    this.segments.noteEntry(segment, entry.index);
    const previous = this.live[this.live.length - 1];
    if (entry.index <= this.snapshotIndex) {
      return previous === undefined ? null : `entry ${entry.index} goes back below the snapshot after entry ${previous.index} without a truncate record`;
    }
    if (previous === undefined) {
      this.runStart = { file: segment.file, offset };
    } else {
      if (entry.index !== previous.index + 1) return `entry ${entry.index} does not follow entry ${previous.index}: a gap or overlap in the log`;
      if (entry.term < previous.term) return `entry ${entry.index} has term ${entry.term}, below the previous entry's term ${previous.term}`;
    }
    this.live.push(entry);
    return null;
  }
}

function readSingleFrameFile<T>(
  disk: Disk,
  nodeId: string,
  file: string,
  decode: (payload: Uint8Array) => { ok: true; value: T } | { ok: false; problem: string },
): Result<T | null, StorageCorruption> {
  const bytes = disk.read(file);
  if (bytes === undefined) return ok(null);
  const corrupt = (offset: number, problem: string): Corrupt => err(storageCorrupt(nodeId, file, offset, problem));
  if (bytes.length === 0) return corrupt(0, "the file is empty");
  const frame = readFrameAt(bytes, 0);
  if (frame.kind === "incomplete") return corrupt(0, `${frame.problem} (this file is replaced atomically, so it cannot be torn)`);
  if (frame.kind === "corrupt") return corrupt(0, frame.problem);
  if (frame.end !== bytes.length) return corrupt(frame.end, `${bytes.length - frame.end} unexpected bytes after the record`);
  const decoded = decode(frame.payload);
  if (!decoded.ok) return corrupt(0, decoded.problem);
  return ok(decoded.value);
}
