import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
});
