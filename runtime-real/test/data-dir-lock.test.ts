import { afterEach, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataDirLock, DataDirLockedError } from "../src/data-dir-lock";
import { createRealRuntime } from "../src/real-runtime";
import { makeTempDir, RecordingTracer } from "./helpers";

describe("DataDirLock", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it("lets one holder in, names it to the next, and is free again once released", () => {
    const temp = makeTempDir("lock");
    cleanups.push(temp.remove);
    const dir = join(temp.dir, "data");
    const first = DataDirLock.acquire(dir, "n1");
    cleanups.push(() => first.release());
    // flock conflicts between open file descriptions, so a second acquire in this very process is refused too.
    let refused: unknown;
    try {
      DataDirLock.acquire(dir, "n2");
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirLockedError);
    const locked = refused as DataDirLockedError;
    expect(locked.holder).toMatchObject({ pid: process.pid, host: hostname(), nodeId: "n1" });
    expect(locked.message).toContain(`node n1 (pid ${process.pid} on ${hostname()}`);
    first.release();
    first.release();
    const second = DataDirLock.acquire(dir, "n2");
    expect(JSON.parse(readFileSync(join(dir, "LOCK"), "utf8"))).toMatchObject({ nodeId: "n2", pid: process.pid });
    second.release();
  });

  it("says so when the holder has not recorded itself, and never trusts a garbled record", () => {
    const temp = makeTempDir("lock");
    cleanups.push(temp.remove);
    const held = DataDirLock.acquire(temp.dir, "n1");
    cleanups.push(() => held.release());
    writeFileSync(join(temp.dir, "LOCK"), "{not json");
    expect(() => DataDirLock.acquire(temp.dir, "n2")).toThrow(/held by another process \(it has not yet recorded who it is\)/);
  });

  it("is taken by the real runtime before the database is opened and given up by close and crash", async () => {
    const temp = makeTempDir("lock");
    cleanups.push(temp.remove);
    const tracer = new RecordingTracer();
    const open = () => createRealRuntime({ nodeId: "n1", dataDir: temp.dir, listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer });
    const first = await open();
    await expect(open()).rejects.toBeInstanceOf(DataDirLockedError);
    await first.crash();
    const second = await open();
    await second.close();
    const third = await open();
    await third.close();
  });
});
