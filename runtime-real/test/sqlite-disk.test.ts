import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DiskIoError } from "@blixard/core";
import { SqliteDisk } from "../src/sqlite-disk";
import { bytes, makeTempDir, text } from "./helpers";

describe("SqliteDisk", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  function openTemp(): { path: string; open: () => SqliteDisk } {
    const temp = makeTempDir("disk");
    cleanups.push(temp.remove);
    const path = join(temp.dir, "disk.sqlite");
    return { path, open: () => SqliteDisk.open({ nodeId: "n1", path }) };
  }

  it("appends chunks in order and reads them back as one file, pending or synced", () => {
    const { open } = openTemp();
    const disk = open();
    disk.append("log", bytes("ab"));
    disk.append("log", bytes(""));
    disk.append("log", bytes("cd"));
    expect(text(disk.read("log"))).toBe("abcd");
    disk.sync();
    disk.append("log", bytes("ef"));
    expect(text(disk.read("log"))).toBe("abcdef");
    disk.close();
  });

  it("an empty append creates an empty file that list() shows", () => {
    const disk = openTemp().open();
    disk.append("empty", new Uint8Array(0));
    expect(disk.list()).toEqual(["empty"]);
    expect(disk.read("empty")).toEqual(new Uint8Array(0));
    disk.close();
  });

  it("a crash rolls back exactly the writes since the last sync, including overwrite and remove", () => {
    const { open } = openTemp();
    const disk = open();
    disk.append("log", bytes("synced"));
    disk.overwrite("meta", bytes("v1"));
    disk.append("gone", bytes("x"));
    disk.sync();
    disk.append("log", bytes("-unsynced"));
    disk.overwrite("meta", bytes("v2"));
    disk.remove("gone");
    disk.append("new", bytes("y"));
    disk.crash();
    const reopened = open();
    expect(reopened.list()).toEqual(["gone", "log", "meta"]);
    expect(text(reopened.read("log"))).toBe("synced");
    expect(text(reopened.read("meta"))).toBe("v1");
    expect(text(reopened.read("gone"))).toBe("x");
    reopened.close();
  });

  it("a clean close keeps pending writes", () => {
    const { open } = openTemp();
    const disk = open();
    disk.append("log", bytes("kept"));
    disk.close();
    const reopened = open();
    expect(text(reopened.read("log"))).toBe("kept");
    reopened.close();
  });

  it("reports use after close and an unopenable path as DiskIoError naming node, op and file", () => {
    const { path, open } = openTemp();
    const disk = open();
    disk.close();
    expect(() => disk.append("log", bytes("x"))).toThrow(DiskIoError);
    expect(() => disk.read("log")).toThrow(/disk read of log failed on node n1: disk is closed/);
    writeFileSync(`${path}.bad`, "this is not a database, just text long enough to have a bad header ......");
    chmodSync(`${path}.bad`, 0o600);
    expect(() => SqliteDisk.open({ nodeId: "n9", path: `${path}.bad` })).toThrow(/disk open of .* failed on node n9/);
    expect(() => SqliteDisk.open({ nodeId: "n9", path: "/nonexistent-dir/x/disk.sqlite" })).toThrow(DiskIoError);
  });

  it("keeps binary bytes exact and files independent", () => {
    const disk = openTemp().open();
    const all = new Uint8Array(256).map((_, i) => i);
    disk.append("bin", all.subarray(0, 100));
    disk.append("bin", all.subarray(100));
    disk.append("other", bytes("o"));
    expect(disk.read("bin")).toEqual(all);
    disk.remove("bin");
    disk.remove("bin");
    expect(disk.read("bin")).toBeUndefined();
    expect(disk.list()).toEqual(["other"]);
    disk.close();
  });

  function chunkRows(path: string, file: string): number {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM chunks WHERE file = ?").get(file) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it("remove hides a file at once and deletes its chunks later in bounded steps", () => {
    const temp = makeTempDir("disk");
    cleanups.push(temp.remove);
    const path = join(temp.dir, "disk.sqlite");
    const disk = SqliteDisk.open({ nodeId: "n1", path, reclaimBatchBytes: 64 * 1024, reclaimIntervalMs: 60_000 });
    for (let i = 0; i < 100; i++) disk.append("segment", new Uint8Array(10 * 1024).fill(i));
    disk.append("keep", bytes("kept"));
    disk.sync();
    disk.remove("segment");
    expect(disk.read("segment")).toBeUndefined();
    expect(disk.list()).toEqual(["keep"]);
    expect(disk.garbageFiles()).toEqual(["segment"]);
    disk.sync();
    let steps = 0;
    while (disk.reclaimStep() && steps < 1_000) steps++;
    // 1000 KiB in batches of at most 64 KiB (six 10 KiB chunks each).
    expect(steps).toBeGreaterThanOrEqual(15);
    expect(disk.garbageFiles()).toEqual([]);
    expect(text(disk.read("keep"))).toBe("kept");
    disk.close();
    expect(chunkRows(path, "segment")).toBe(0);
  });

  it("garbage outlives a crash and is reclaimed after the restart; a crash before the remove's sync keeps the file", () => {
    const temp = makeTempDir("disk");
    cleanups.push(temp.remove);
    const path = join(temp.dir, "disk.sqlite");
    const open = () => SqliteDisk.open({ nodeId: "n1", path, reclaimIntervalMs: 60_000 });
    const disk = open();
    disk.append("a", bytes("aaaa"));
    disk.append("b", bytes("bbbb"));
    disk.sync();
    disk.remove("a");
    disk.sync();
    disk.remove("b");
    disk.crash();
    const reopened = open();
    expect(reopened.list()).toEqual(["b"]);
    expect(reopened.garbageFiles()).toEqual(["a"]);
    expect(reopened.reclaimStep()).toBe(false);
    expect(reopened.garbageFiles()).toEqual([]);
    reopened.close();
    expect(chunkRows(path, "a")).toBe(0);
    expect(chunkRows(path, "b")).toBe(1);
  });

  it("a removed name written again starts empty, whether or not its old chunks were reclaimed", () => {
    const disk = SqliteDisk.open({ nodeId: "n1", path: join(openTemp().path), reclaimIntervalMs: 60_000 });
    disk.append("f", bytes("old"));
    disk.sync();
    disk.remove("f");
    disk.append("f", bytes("new"));
    expect(text(disk.read("f"))).toBe("new");
    disk.remove("f");
    disk.overwrite("f", bytes("over"));
    expect(text(disk.read("f"))).toBe("over");
    expect(disk.garbageFiles()).toEqual([]);
    disk.close();
  });

  it("the reclaim timer finishes the job on its own", async () => {
    const disk = SqliteDisk.open({ nodeId: "n1", path: openTemp().path, reclaimBatchBytes: 1024, reclaimIntervalMs: 1 });
    for (let i = 0; i < 20; i++) disk.append("f", new Uint8Array(1024));
    disk.sync();
    disk.remove("f");
    disk.sync();
    for (let i = 0; i < 500 && disk.garbageFiles().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(disk.garbageFiles()).toEqual([]);
    disk.close();
  });
});
