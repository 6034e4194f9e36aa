import { describe, expect, it } from "vitest";
import { DiskIoError, type Disk } from "../../src/ports/disk";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import { EMPTY_HARD_STATE } from "../../src/raft/log-types";
import { RaftLogStore } from "../../src/storage/index";
import { CrashPoint, CrashPointDisk, entries, entry, expectOk, hardState, NODE, openOk, snapshot } from "./helpers";

const segmentFiles = (disk: MemoryDisk) => disk.list().filter((file) => file.startsWith("raft-wal-"));

describe("RaftLogStore: round trips", () => {
  it("a fresh disk opens empty and writes nothing", () => {
    const disk = new MemoryDisk();
    const { recovered, store } = openOk(disk);
    expect(recovered).toEqual({ hardState: EMPTY_HARD_STATE, snapshot: null, entries: [], tornTailDiscarded: false });
    expect(store.stats()).toEqual({ logBytes: 0, entryCount: 0, firstIndex: 1, lastIndex: 0, segments: 0, snapshotIndex: 0 });
    expect(disk.list()).toEqual([]);
  });

  it("persists hard state and entries with exactly one sync, and reopens to the same state", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(1, 0), entries: entries(1, 3, 1) }));
    expect(disk.syncCount).toBe(1);
    expectOk(store.persist({ hardState: hardState(2, 3, "n2"), entries: [entry(4, 2, "ünïcødé ✓")] }));
    expect(disk.syncCount).toBe(2);
    disk.crash();
    const { recovered, store: reopened } = openOk(disk);
    expect(recovered.hardState).toEqual(hardState(2, 3, "n2"));
    expect(recovered.entries).toEqual([...entries(1, 3, 1), entry(4, 2, "ünïcødé ✓")]);
    expect(reopened.stats()).toMatchObject({ entryCount: 4, firstIndex: 1, lastIndex: 4, segments: 1, snapshotIndex: 0 });
    expect(reopened.stats().logBytes).toBe(disk.read("raft-wal-000000000000.log")?.length);
  });

  it("a hard-state-only persist writes no log record", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(3, 0, null) }));
    expect(disk.list()).toEqual(["raft-hardstate"]);
    expect(openOk(disk).recovered.hardState).toEqual(hardState(3, 0, null));
  });

  it("a commit-only change is neither written nor synced: reopen recovers the commit of the last term or vote change, never more", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(2, 1), entries: entries(1, 5, 2) }));
    const written = disk.read("raft-hardstate");
    const syncs = disk.syncCount;
    expectOk(store.persist({ hardState: hardState(2, 4) }));
    expect(disk.read("raft-hardstate")).toEqual(written);
    expect(disk.syncCount).toBe(syncs); // nothing written, nothing to fsync
    expect(openOk(disk).recovered.hardState).toEqual(hardState(2, 1));
    // The store still refuses to let the commit index go back while it runs.
    expect(store.persist({ hardState: hardState(2, 3) }).ok).toBe(false);
    expectOk(store.persist({ hardState: hardState(3, 5, "n2") }));
    expect(openOk(disk).recovered.hardState).toEqual(hardState(3, 5, "n2"));
  });
});

describe("RaftLogStore: truncation and segments", () => {
  it("a conflicting suffix is replaced and stays replaced after reopen", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(1, 2), entries: entries(1, 5, 1) }));
    expectOk(store.persist({ hardState: hardState(2, 2), entries: entries(4, 6, 2) }));
    expect(store.stats()).toMatchObject({ lastIndex: 6, entryCount: 6 });
    disk.crash();
    expect(openOk(disk).recovered.entries).toEqual([...entries(1, 3, 1), ...entries(4, 6, 2)]);
  });

  it("segments roll over at maxSegmentBytes and truncation reaches back across segments", () => {
    const disk = new MemoryDisk();
    const options = { maxSegmentBytes: 250, maxRecordBytes: 200 };
    const { store } = openOk(disk, options);
    expectOk(store.persist({ hardState: hardState(1, 3), entries: entries(1, 20, 1) }));
    const files = segmentFiles(disk);
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(disk.read(file)?.length).toBeLessThanOrEqual(250);
    expect(store.stats().segments).toBe(files.length);
    expectOk(store.persist({ hardState: hardState(2, 3), entries: entries(4, 7, 2) }));
    disk.crash();
    const { recovered, store: reopened } = openOk(disk, options);
    expect(recovered.entries).toEqual([...entries(1, 3, 1), ...entries(4, 7, 2)]);
    expect(reopened.stats()).toMatchObject({ lastIndex: 7, segments: segmentFiles(disk).length });
  });

  it("compaction deletes whole covered segments and keeps the rest", () => {
    const disk = new MemoryDisk();
    const options = { maxSegmentBytes: 400, maxRecordBytes: 200 };
    const { store } = openOk(disk, options);
    expectOk(store.persist({ hardState: hardState(1, 40), entries: entries(1, 50, 1) }));
    const before = store.stats();
    expectOk(store.compact(snapshot(30, 1)));
    const after = store.stats();
    expect(after.segments).toBeLessThan(before.segments);
    expect(after.logBytes).toBeLessThan(before.logBytes);
    expect(after).toMatchObject({ snapshotIndex: 30, firstIndex: 31, lastIndex: 50, entryCount: 20, segments: segmentFiles(disk).length });
    disk.crash();
    const { recovered } = openOk(disk, options);
    expect(recovered.snapshot).toEqual(snapshot(30, 1));
    expect(recovered.entries).toEqual(entries(31, 50, 1));
  });

  it("compaction refuses snapshots that are stale, uncommitted or of another term", () => {
    const { store } = openOk(new MemoryDisk());
    expectOk(store.persist({ hardState: hardState(2, 5), entries: [...entries(1, 3, 1), ...entries(4, 8, 2)] }));
    expectOk(store.compact(snapshot(3, 1)));
    expect(store.compact(snapshot(2, 1))).toMatchObject({ ok: false, error: { code: "storage-stale-snapshot", nodeId: NODE } });
    expect(store.compact(snapshot(7, 2))).toMatchObject({ ok: false, error: { code: "storage-invalid-compaction" } });
    expect(store.compact(snapshot(5, 1))).toMatchObject({ ok: false, error: { code: "storage-invalid-compaction" } });
  });
});

describe("RaftLogStore: installing a snapshot through persist", () => {
  it("a snapshot the log does not match replaces the whole log", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(1, 2), entries: entries(1, 6, 1) }));
    expectOk(store.persist({ hardState: hardState(3, 10), snapshot: snapshot(10, 3), entries: entries(11, 12, 3) }));
    expect(store.stats()).toMatchObject({ snapshotIndex: 10, firstIndex: 11, lastIndex: 12, entryCount: 2 });
    disk.crash();
    const { recovered } = openOk(disk);
    expect(recovered.snapshot).toEqual(snapshot(10, 3));
    expect(recovered.entries).toEqual(entries(11, 12, 3));
  });

  it("a snapshot the log matches keeps the entries after it; a newer one replaces the older file", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk);
    expectOk(store.persist({ hardState: hardState(1, 2), entries: entries(1, 8, 1) }));
    expectOk(store.persist({ snapshot: snapshot(4, 1) }));
    expectOk(store.persist({ hardState: hardState(1, 6), snapshot: snapshot(6, 1, "newer") }));
    expect(store.persist({ snapshot: snapshot(5, 1) })).toMatchObject({ ok: false, error: { code: "storage-stale-snapshot" } });
    disk.crash();
    const { recovered } = openOk(disk);
    expect(recovered.snapshot).toEqual(snapshot(6, 1, "newer"));
    expect(recovered.entries).toEqual(entries(7, 8, 1));
  });
});

describe("RaftLogStore: crashes", () => {
  it("unsynced writes of an interrupted persist are simply absent after reopen", () => {
    const disk = new MemoryDisk();
    expectOk(openOk(disk).store.persist({ hardState: hardState(1, 1), entries: entries(1, 2, 1) }));
    const { store } = openOk(new CrashPointDisk(disk, 2)); // append and hard state land, sync does not
    expect(() => store.persist({ hardState: hardState(2, 4), entries: entries(3, 4, 2) })).toThrow(CrashPoint);
    disk.crash();
    const { recovered } = openOk(disk);
    expect(recovered).toEqual({ hardState: hardState(1, 1), snapshot: null, entries: entries(1, 2, 1), tornTailDiscarded: false });
  });

  it("a torn tail is discarded, reported, and cut so later appends are readable", () => {
    const disk = new MemoryDisk();
    expectOk(openOk(disk).store.persist({ hardState: hardState(1, 1), entries: entries(1, 2, 1) }));
    const { store } = openOk(new CrashPointDisk(disk, 1));
    expect(() => store.persist({ entries: entries(3, 9, 1) })).toThrow(CrashPoint);
    disk.crash({ tornWrite: true, random: { nextInt: (_min, max) => max } }); // every byte but the last: complete records without their batch end
    const reopened = openOk(disk);
    expect(reopened.recovered.tornTailDiscarded).toBe(true);
    expect(reopened.recovered.entries).toEqual(entries(1, 2, 1));
    expectOk(reopened.store.persist({ entries: entries(3, 4, 1) }));
    disk.crash();
    const again = openOk(disk);
    expect(again.recovered.tornTailDiscarded).toBe(false);
    expect(again.recovered.entries).toEqual(entries(1, 4, 1));
  });
});

describe("RaftLogStore: refusals", () => {
  it("an oversize entry is refused before anything is written, and the store stays usable", () => {
    const disk = new MemoryDisk();
    const { store } = openOk(disk, { maxRecordBytes: 256, maxSegmentBytes: 1024 });
    const before = disk.durableView();
    const result = store.persist({ hardState: hardState(1, 0), entries: [entry(1, 1), entry(2, 1, "x".repeat(300))] });
    expect(result).toMatchObject({ ok: false, error: { code: "storage-record-too-large", nodeId: NODE } });
    expect(result.ok ? "" : result.error.message).toContain("entry 2");
    expect(disk.durableView()).toEqual(before);
    expect(disk.list()).toEqual([]);
    expectOk(store.persist({ hardState: hardState(1, 0), entries: [entry(1, 1)] }));
  });

  it("refuses what Raft never asks for: gaps, rewriting committed entries, double votes, commit going back", () => {
    const { store } = openOk(new MemoryDisk());
    expectOk(store.persist({ hardState: hardState(2, 3, "n2"), entries: entries(1, 5, 2) }));
    const refusals = [
      store.persist({ entries: entries(7, 8, 2) }),
      store.persist({ entries: entries(3, 4, 3) }),
      store.persist({ entries: [entry(6, 2), entry(8, 2)] }),
      store.persist({ entries: [entry(6, 1)] }),
      store.persist({ hardState: hardState(2, 3, "n3") }),
      store.persist({ hardState: hardState(2, 2, "n2") }),
      store.persist({ hardState: hardState(1, 3, "n2") }),
      store.persist({ hardState: hardState(2, 9, "n2") }),
    ];
    for (const refusal of refusals) expect(refusal).toMatchObject({ ok: false, error: { code: "storage-invalid-persist", nodeId: NODE } });
    expect(store.stats()).toMatchObject({ lastIndex: 5, entryCount: 5 });
  });

  it("rejects bad options with a specific error", () => {
    const opened = RaftLogStore.open(new MemoryDisk(), NODE, { maxRecordBytes: 2000, maxSegmentBytes: 1000 });
    expect(opened).toMatchObject({ ok: false, error: { code: "storage-invalid-options", nodeId: NODE } });
  });

  it("a device failure becomes an error value and poisons the store until reopen", () => {
    const memory = new MemoryDisk();
    let failing = false;
    const disk: Disk = {
      list: () => memory.list(),
      read: (file) => memory.read(file),
      append: (file, bytes) => memory.append(file, bytes),
      overwrite: (file, bytes) => memory.overwrite(file, bytes),
      remove: (file) => memory.remove(file),
      sync: () => {
        if (failing) throw new DiskIoError(NODE, "sync", "*", "EIO");
        memory.sync();
      },
    };
    const { store } = openOk(disk);
    failing = true;
    expect(store.persist({ hardState: hardState(1, 0), entries: [entry(1, 1)] })).toMatchObject({ ok: false, error: { code: "storage-io-failed", nodeId: NODE } });
    failing = false;
    expect(store.persist({ hardState: hardState(1, 0) })).toMatchObject({ ok: false, error: { code: "storage-io-failed" } });
    memory.crash();
    expect(openOk(disk).recovered.entries).toEqual([]);
  });
});
