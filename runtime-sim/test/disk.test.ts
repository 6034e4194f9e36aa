import { describe, expect, it } from "vitest";
import { DiskIoError, type Runtime } from "@blixard/core";
import { recoverLog, encodeRecord } from "../src/toy/toy-codec";
import { SimDisk, SimRandom, Simulation } from "../src/index";
import { bytes } from "./helpers";

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("disk model", () => {
  it("reads see unsynced writes; after a crash only synced content survives", () => {
    const disk = new SimDisk("n1");
    disk.append("log", utf8("synced;"));
    disk.sync();
    disk.append("log", utf8("lost;"));
    disk.overwrite("meta", utf8("new"));
    expect(text(disk.read("log"))).toBe("synced;lost;");
    expect(disk.list()).toEqual(["log", "meta"]);
    disk.crash(false, new SimRandom(1, "d"));
    expect(text(disk.read("log"))).toBe("synced;");
    expect(disk.read("meta")).toBeUndefined();
  });

  it("overwrite and remove are all-or-nothing across a crash", () => {
    const disk = new SimDisk("n1");
    disk.overwrite("state", utf8("v1"));
    disk.sync();
    disk.overwrite("state", utf8("v2-longer"));
    disk.remove("state");
    disk.crash(true, new SimRandom(1, "d"));
    expect(text(disk.read("state"))).toBe("v1");
    disk.remove("state");
    disk.sync();
    disk.crash(true, new SimRandom(1, "d"));
    expect(disk.list()).toEqual([]);
  });

  it("a torn write leaves a strict prefix of the first unsynced append", () => {
    for (let seed = 0; seed < 20; seed++) {
      const disk = new SimDisk("n1");
      disk.append("log", utf8("AAAA"));
      disk.sync();
      disk.append("log", utf8("BBBBBBBB"));
      disk.append("log", utf8("CCCC"));
      const torn = disk.crash(true, new SimRandom(seed, "d"));
      const after = text(disk.read("log"))!;
      expect(torn).toEqual(["log"]);
      expect(after).toMatch(/^AAAAB{1,7}$/);
    }
  });

  it("a bit flip in durable content is caught by a checksumming reader", () => {
    const disk = new SimDisk("n1");
    for (let i = 1; i <= 10; i++) disk.append("counter.log", encodeRecord(i));
    disk.sync();
    expect(recoverLog(disk.read("counter.log"))).toMatchObject({ count: 10, corrupt: false });
    const flipped = disk.flipBits("counter.log", 1, new SimRandom(5, "d"));
    expect(flipped).toHaveLength(1);
    const recovered = recoverLog(disk.read("counter.log"));
    expect(recovered.corrupt).toBe(true);
    expect(recovered.count).toBeLessThan(10);
  });

  it("injected device errors surface as DiskIoError and leave writes pending", () => {
    const disk = new SimDisk("n1");
    disk.append("f", bytes(1));
    disk.failNextSyncs(1);
    expect(() => disk.sync()).toThrow(DiskIoError);
    disk.crash(false, new SimRandom(1, "d"));
    expect(disk.read("f")).toBeUndefined();
  });

  it("rejects bad names and enforces capacity with clear errors", () => {
    const disk = new SimDisk("n1", { capacityBytes: 8, maxFileNameChars: 10 });
    expect(() => disk.append("a/b", bytes(1))).toThrow(/file names/);
    expect(() => disk.append("", bytes(1))).toThrow(DiskIoError);
    disk.append("f", new Uint8Array(8));
    expect(() => disk.append("f", bytes(1))).toThrow(/disk full/);
    disk.overwrite("f", new Uint8Array(2));
    expect(disk.usedBytes()).toBe(2);
  });

  it("a restarted node is rebuilt from durable content alone, and a dead incarnation cannot write", () => {
    const sim = new Simulation({ seed: 1 });
    const seen: (string | undefined)[] = [];
    let first: Runtime | undefined;
    sim.addNode("n1", (rt) => {
      first ??= rt;
      seen.push(text(rt.disk.read("log")));
      return rt;
    });
    first!.disk.append("log", utf8("durable;"));
    first!.disk.sync();
    first!.disk.append("log", utf8("volatile;"));
    sim.crash("n1");
    expect(() => first!.disk.append("log", utf8("zombie"))).toThrow(DiskIoError);
    sim.restart("n1");
    expect(seen).toEqual([undefined, "durable;"]);
  });
});
