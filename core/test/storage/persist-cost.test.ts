import { describe, expect, it } from "vitest";
import type { Disk } from "../../src/ports/disk";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";
import { entries, expectOk, hardState, openOk } from "./helpers";

/** Counts what persist asks of the disk; cost must not grow with what is already stored. */
class CountingDisk implements Disk {
  reads = 0;
  appends = 0;
  appendedBytes = 0;
  overwrites = 0;
  syncs = 0;
  constructor(private readonly inner: MemoryDisk) {}
  list(): string[] {
    return this.inner.list();
  }
  read(file: string): Uint8Array | undefined {
    this.reads += 1;
    return this.inner.read(file);
  }
  append(file: string, bytes: Uint8Array): void {
    this.appends += 1;
    this.appendedBytes += bytes.length;
    this.inner.append(file, bytes);
  }
  overwrite(file: string, bytes: Uint8Array): void {
    this.overwrites += 1;
    this.inner.overwrite(file, bytes);
  }
  remove(file: string): void {
    this.inner.remove(file);
  }
  sync(): void {
    this.syncs += 1;
    this.inner.sync();
  }
}

describe("RaftLogStore persist cost", () => {
  it("a 100-entry persist never reads, appends once per segment touched, syncs once, and rewrites the hard state only for a term or vote change", () => {
    const disk = new CountingDisk(new MemoryDisk());
    const { store } = openOk(disk, { maxSegmentBytes: 32 * 1024, maxRecordBytes: 4096 });
    const appendedPerBatch: number[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const before = { ...disk };
      const first = batch * 100 + 1;
      expectOk(store.persist({ hardState: hardState(1, first - 1), entries: entries(first, first + 99, 1) }));
      expect(disk.reads - before.reads).toBe(0);
      expect(disk.syncs - before.syncs).toBe(1);
      // Term and vote are unchanged after the first batch: a commit-only change writes no hard state.
      expect(disk.overwrites - before.overwrites).toBe(batch === 0 ? 1 : 0);
      expect(disk.appends - before.appends).toBeLessThanOrEqual(2);
      appendedPerBatch.push(disk.appendedBytes - before.appendedBytes);
    }
    // Bytes written per batch depend on the batch only (within the growth of index digits).
    expect(Math.max(...appendedPerBatch)).toBeLessThan(Math.min(...appendedPerBatch) * 1.2);
    expect(store.stats()).toMatchObject({ lastIndex: 5000, entryCount: 5000 });
    expect(store.stats().segments).toBeGreaterThan(5);
  });
});
