/**
 * File layout of one node's Raft storage on its Disk. Every name starts with
 * "raft-" so other users of the same disk can live beside it.
 * - raft-hardstate: one frame, overwritten atomically on change.
 * - raft-snapshot: one frame, overwritten atomically when a newer snapshot lands.
 * - raft-wal-<seq>.log: append-only log segments; seq (zero-padded, so name order
 *   is replay order) increases by one per segment. Named by sequence rather than
 *   first index because a truncate record can make a segment's indexes go back.
 */
export const HARD_STATE_FILE = "raft-hardstate";
export const SNAPSHOT_FILE = "raft-snapshot";

const SEGMENT_SEQ_DIGITS = 12;
const SEGMENT_NAME = /^raft-wal-(\d{12})\.log$/;

export function segmentFileName(seq: number): string {
  return `raft-wal-${String(seq).padStart(SEGMENT_SEQ_DIGITS, "0")}.log`;
}

export function parseSegmentSeq(file: string): number | null {
  const match = SEGMENT_NAME.exec(file);
  return match ? Number(match[1]) : null;
}

export interface SegmentInfo {
  readonly seq: number;
  readonly file: string;
  bytes: number;
  /**
   * Upper bound on the index of any still-live entry this segment holds (0: none).
   * A segment whose bound is <= the snapshot index holds nothing recovery needs.
   */
  maxLiveIndex: number;
}

/** In-memory index of the segments, so persist never re-reads files. */
export class SegmentIndex {
  private readonly list: SegmentInfo[];
  private nextSeq: number;

  constructor(segments: SegmentInfo[] = []) {
    this.list = segments;
    const last = segments[segments.length - 1];
    this.nextSeq = last ? last.seq + 1 : 0;
  }

  get segments(): readonly SegmentInfo[] {
    return this.list;
  }

  tail(): SegmentInfo | undefined {
    return this.list[this.list.length - 1];
  }

  openSegment(): SegmentInfo {
    const segment: SegmentInfo = { seq: this.nextSeq, file: segmentFileName(this.nextSeq), bytes: 0, maxLiveIndex: 0 };
    this.nextSeq += 1;
    this.list.push(segment);
    return segment;
  }

  noteEntry(segment: SegmentInfo, index: number): void {
    if (index > segment.maxLiveIndex) segment.maxLiveIndex = index;
  }

  /** Entries >= fromIndex, wherever they sit, are void from now on. */
  noteTruncate(fromIndex: number): void {
    for (const segment of this.list) segment.maxLiveIndex = Math.min(segment.maxLiveIndex, fromIndex - 1);
  }

  /** Every entry written so far is void except those covered by the snapshot. */
  noteRestart(snapshotIndex: number): void {
    for (const segment of this.list) segment.maxLiveIndex = Math.min(segment.maxLiveIndex, snapshotIndex);
  }

  /**
   * The oldest segments that hold nothing beyond `snapshotIndex`. Only a prefix
   * may go: a truncate or restart record in a deleted middle segment would
   * otherwise stop voiding the entries before it and bring them back on replay.
   */
  removablePrefix(snapshotIndex: number): SegmentInfo[] {
    const removable: SegmentInfo[] = [];
    for (const segment of this.list) {
      if (segment.maxLiveIndex > snapshotIndex) break;
      removable.push(segment);
    }
    return removable;
  }

  dropPrefix(count: number): void {
    this.list.splice(0, count);
  }

  totalBytes(): number {
    let total = 0;
    for (const segment of this.list) total += segment.bytes;
    return total;
  }
}
