import { expect, it } from "vitest";
import { DiskIoError } from "@blixard/core";
import { fromUtf8, utf8, type ContractContext } from "./contract-types";

export function diskCases(context: ContractContext): void {
  it("reads its own writes before any sync: append, overwrite, remove, list", async () => {
    const cluster = await context.cluster(["n1"]);
    const { disk } = cluster.runtime("n1");
    expect(disk.read("log")).toBeUndefined();
    disk.append("log", utf8("ab"));
    disk.append("log", utf8("cd"));
    disk.overwrite("meta", utf8("v1"));
    disk.overwrite("meta", utf8("v2"));
    disk.append("zz", utf8("z"));
    expect(fromUtf8(disk.read("log"))).toBe("abcd");
    expect(fromUtf8(disk.read("meta"))).toBe("v2");
    expect(disk.list()).toEqual(["log", "meta", "zz"]);
    disk.remove("zz");
    disk.remove("zz");
    disk.remove("never-existed");
    expect(disk.read("zz")).toBeUndefined();
    expect(disk.list()).toEqual(["log", "meta"]);
    disk.overwrite("meta", new Uint8Array(0));
    expect(disk.read("meta")).toEqual(new Uint8Array(0));
    expect(disk.list()).toEqual(["log", "meta"]);
  });

  it("refuses an empty file name, one with '/', or one over 255 chars with DiskIoError", async () => {
    const cluster = await context.cluster(["n1"]);
    const { disk } = cluster.runtime("n1");
    for (const name of ["", "dir/file", "x".repeat(256)]) {
      expect(() => disk.append(name, utf8("x")), JSON.stringify(name)).toThrow(DiskIoError);
      expect(() => disk.overwrite(name, utf8("x"))).toThrow(DiskIoError);
    }
    disk.append("x".repeat(255), utf8("ok"));
    expect(disk.list()).toEqual(["x".repeat(255)]);
  });

  it("returns a copy: mutating the appended buffer or a read result changes nothing stored", async () => {
    const cluster = await context.cluster(["n1"]);
    const { disk } = cluster.runtime("n1");
    const buffer = utf8("abc");
    disk.append("f", buffer);
    buffer[0] = 0x7a;
    const first = disk.read("f")!;
    first[1] = 0x7a;
    expect(fromUtf8(disk.read("f"))).toBe("abc");
  });

  it("synced data survives a reopen", async () => {
    const cluster = await context.cluster(["n1"]);
    const disk = cluster.runtime("n1").disk;
    disk.append("log", utf8("one"));
    disk.append("log", utf8("two"));
    disk.overwrite("meta", utf8("m"));
    disk.sync();
    const reopened = await cluster.reopenDisk("n1");
    expect(reopened.list()).toEqual(["log", "meta"]);
    expect(fromUtf8(reopened.read("log"))).toBe("onetwo");
    expect(fromUtf8(reopened.read("meta"))).toBe("m");
  });

  it("a crash loses every write since the last sync: appends, new files, overwrites and removes", async () => {
    const cluster = await context.cluster(["n1"]);
    const disk = cluster.runtime("n1").disk;
    disk.append("log", utf8("synced"));
    disk.overwrite("meta", utf8("v1"));
    disk.append("doomed", utf8("d"));
    disk.sync();
    disk.append("log", utf8("+unsynced"));
    disk.overwrite("meta", utf8("v2"));
    disk.remove("doomed");
    disk.append("fresh", utf8("f"));
    await cluster.crash("n1");
    const reopened = await cluster.reopenDisk("n1");
    expect(reopened.list()).toEqual(["doomed", "log", "meta"]);
    expect(fromUtf8(reopened.read("log"))).toBe("synced");
    expect(fromUtf8(reopened.read("meta"))).toBe("v1");
    expect(fromUtf8(reopened.read("doomed"))).toBe("d");
    expect(reopened.read("fresh")).toBeUndefined();
  });
}
