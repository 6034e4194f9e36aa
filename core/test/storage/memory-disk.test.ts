import { describe, expect, it } from "vitest";
import { MemoryDisk } from "../../src/ports/testing/memory-disk";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("MemoryDisk", () => {
  it("reads see unsynced writes; a crash keeps only what was synced", () => {
    const disk = new MemoryDisk();
    disk.append("a", bytes(1, 2));
    disk.sync();
    disk.append("a", bytes(3));
    disk.overwrite("b", bytes(9));
    disk.remove("a");
    expect(disk.list()).toEqual(["b"]);
    disk.crash();
    expect(disk.list()).toEqual(["a"]);
    expect(disk.read("a")).toEqual(bytes(1, 2));
    expect(disk.read("b")).toBeUndefined();
  });

  it("a torn crash keeps a strict prefix of the first unsynced append only", () => {
    const disk = new MemoryDisk();
    disk.append("log", bytes(1));
    disk.sync();
    disk.append("log", bytes(2, 3, 4, 5));
    disk.append("other", bytes(7));
    disk.crash({ tornWrite: true, random: { nextInt: (_min, max) => max } });
    expect(disk.read("log")).toEqual(bytes(1, 2, 3, 4));
    expect(disk.read("other")).toBeUndefined();
  });

  it("a torn crash keeps nothing of an append that followed an unsynced overwrite of the same file", () => {
    const disk = new MemoryDisk();
    disk.overwrite("log", bytes(1));
    disk.sync();
    disk.overwrite("log", bytes(8, 8));
    disk.append("log", bytes(2, 3));
    disk.crash({ tornWrite: true });
    expect(disk.read("log")).toEqual(bytes(1));
  });

  it("sync shares nothing a later write can change, and counts syncs", () => {
    const disk = new MemoryDisk();
    disk.append("a", bytes(1));
    disk.sync();
    const seen = disk.read("a") as Uint8Array;
    seen[0] = 42;
    disk.append("a", bytes(2));
    disk.crash();
    expect(disk.read("a")).toEqual(bytes(1));
    expect(disk.durableView().get("a")).toEqual(bytes(1));
    expect(disk.syncCount).toBe(1);
  });

  it("flipBit rots durable bytes and reads see it", () => {
    const disk = new MemoryDisk();
    disk.append("a", bytes(0b0000_0001, 0));
    disk.sync();
    disk.flipBit("a", 0, 1);
    expect(disk.read("a")).toEqual(bytes(0b0000_0011, 0));
    disk.crash();
    expect(disk.durableView().get("a")).toEqual(bytes(0b0000_0011, 0));
    expect(() => disk.flipBit("a", 2, 0)).toThrow(RangeError);
  });
});
