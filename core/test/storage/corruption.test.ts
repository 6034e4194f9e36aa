import { describe, expect, it } from "vitest";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import { encodeFrame, FRAME_HEADER_BYTES } from "../../src/storage/framing";
import { encodeLogRecordFrame } from "../../src/storage/record-binary";
import { encodeLogRecord, type LogRecord } from "../../src/storage/records";
import { RaftLogStore, type StorageCorruption } from "../../src/storage/index";
import { entries, entry, expectOk, hardState, NODE, openOk, snapshot } from "./helpers";

const SEGMENT_0 = "raft-wal-000000000000.log";
const SEGMENT_1 = "raft-wal-000000000001.log";

function expectCorrupt(disk: MemoryDisk, file: string, offset: number, problem: RegExp, options = {}): StorageCorruption {
  const opened = RaftLogStore.open(disk, NODE, options);
  expect(opened.ok).toBe(false);
  if (opened.ok) throw new Error("unreachable");
  const error = opened.error as StorageCorruption;
  expect(error).toMatchObject({ code: "storage-corrupt", nodeId: NODE, file, offset });
  expect(error.problem).toMatch(problem);
  expect(error.message).toContain(file);
  expect(error.hint).toMatch(/wiping its data directory and re-adding it as a new member/);
  return error;
}

/** A disk with entries 1..6 (term 1, commit 4) and a snapshot at 2. */
function populatedDisk(options = {}): MemoryDisk {
  const disk = new MemoryDisk();
  const { store } = openOk(disk, options);
  expectOk(store.persist({ hardState: hardState(1, 4), entries: entries(1, 6, 1) }));
  expectOk(store.compact(snapshot(2, 1)));
  return disk;
}

function frameOf(record: LogRecord): Uint8Array {
  return encodeLogRecordFrame(record);
}

describe("RaftLogStore: corruption is detected, never served", () => {
  it("a flipped bit in the hard state", () => {
    const disk = populatedDisk();
    disk.flipBit("raft-hardstate", FRAME_HEADER_BYTES + 3, 2);
    expectCorrupt(disk, "raft-hardstate", 0, /payload checksum mismatch/);
  });

  it("a missing hard state next to a log", () => {
    const disk = populatedDisk();
    disk.remove("raft-hardstate");
    disk.sync();
    expectCorrupt(disk, "raft-hardstate", 0, /missing/);
  });

  it("a hard state cut short (it is replaced atomically, so this is not a torn write)", () => {
    const disk = populatedDisk();
    const bytes = disk.read("raft-hardstate") as Uint8Array;
    disk.overwrite("raft-hardstate", bytes.slice(0, bytes.length - 2));
    disk.sync();
    expectCorrupt(disk, "raft-hardstate", 0, /cannot be torn/);
  });

  it("a flipped bit in the snapshot", () => {
    const disk = populatedDisk();
    disk.flipBit("raft-snapshot", 20, 0);
    expectCorrupt(disk, "raft-snapshot", 0, /checksum mismatch/);
  });

  it("a flipped payload bit in a log record, reported at that record's offset", () => {
    const disk = populatedDisk();
    const firstRecordBytes = frameOf({ type: "entry", entry: entry(1, 1), end: false }).length;
    disk.flipBit(SEGMENT_0, firstRecordBytes + FRAME_HEADER_BYTES + 5, 4);
    expectCorrupt(disk, SEGMENT_0, firstRecordBytes, /payload checksum mismatch/);
  });

  it("a flipped length bit mid-segment is corruption, not a torn tail", () => {
    const disk = populatedDisk();
    disk.flipBit(SEGMENT_0, 1, 6); // the first record now claims far more bytes than the file holds
    expectCorrupt(disk, SEGMENT_0, 0, /header checksum mismatch/);
  });

  it("a gap in indexes", () => {
    const disk = new MemoryDisk();
    expectOk(openOk(disk).store.persist({ hardState: hardState(1, 1), entries: [entry(1, 1)] }));
    const first = frameOf({ type: "entry", entry: entry(2, 1), end: true });
    disk.append(SEGMENT_0, first);
    disk.append(SEGMENT_0, frameOf({ type: "entry", entry: entry(4, 1), end: true }));
    disk.sync();
    const offset = (disk.read(SEGMENT_0) as Uint8Array).length - frameOf({ type: "entry", entry: entry(4, 1), end: true }).length;
    expectCorrupt(disk, SEGMENT_0, offset, /entry 4 does not follow entry 2/);
  });

  it("entries that do not start right after the snapshot (older segments were compacted away)", () => {
    const options = { maxSegmentBytes: 200, maxRecordBytes: 150 };
    const disk = new MemoryDisk();
    const { store } = openOk(disk, options);
    expectOk(store.persist({ hardState: hardState(1, 8), entries: entries(1, 10, 1) }));
    expectOk(store.compact(snapshot(6, 1)));
    const oldest = disk.list().find((file) => file.startsWith("raft-wal-")) as string;
    expect(oldest).not.toBe(SEGMENT_0);
    // Roll the snapshot back to index 2: entries 3.. are now needed but were deleted with their segments.
    disk.overwrite("raft-snapshot", encodeFrame(new TextEncoder().encode(JSON.stringify({ index: 2, term: 1, config: { voters: [], learners: [], votersOutgoing: [] }, data: "" }))));
    disk.sync();
    expectCorrupt(disk, oldest, 0, /first entry after snapshot index 2 is \d+: entries in between are missing/, options);
  });

  it("a commit index past the end of the log (the newest segment vanished)", () => {
    const options = { maxSegmentBytes: 200, maxRecordBytes: 150 };
    const disk = new MemoryDisk();
    expectOk(openOk(disk, options).store.persist({ hardState: hardState(1, 6), entries: entries(1, 6, 1) }));
    const segments = disk.list().filter((file) => file.startsWith("raft-wal-"));
    expect(segments.length).toBeGreaterThan(1);
    disk.remove(segments[segments.length - 1] as string);
    disk.sync();
    expectCorrupt(disk, "raft-hardstate", 0, /commit 6 is beyond the last stored index/, options);
  });

  it("an incomplete record in a segment that is not the last", () => {
    const disk = populatedDisk();
    const bytes = disk.read(SEGMENT_0) as Uint8Array;
    disk.overwrite(SEGMENT_0, bytes.slice(0, bytes.length - 3));
    disk.append(SEGMENT_1, frameOf({ type: "entry", entry: entry(7, 1), end: true }));
    disk.sync();
    const lastRecord = frameOf({ type: "entry", entry: entry(6, 1), end: true }).length;
    expectCorrupt(disk, SEGMENT_0, bytes.length - lastRecord, /not the last/);
  });

  it("a record whose checksum is right but whose content is not a log record", () => {
    const disk = populatedDisk();
    disk.append(SEGMENT_0, encodeFrame(new TextEncoder().encode('{"type":"entry","index":-1,"end":true}')));
    disk.sync();
    expectCorrupt(disk, SEGMENT_0, expect.any(Number) as unknown as number, /not a valid log record/);
  });

  it("a restart record for a snapshot the snapshot file does not hold", () => {
    const disk = populatedDisk();
    disk.append(SEGMENT_0, frameOf({ type: "restart", snapshotIndex: 9, snapshotTerm: 2, end: true }));
    disk.sync();
    expectCorrupt(disk, SEGMENT_0, expect.any(Number) as unknown as number, /restart after snapshot 9/);
  });
});
