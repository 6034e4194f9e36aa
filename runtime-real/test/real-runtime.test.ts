import { afterEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRealRuntime } from "../src/real-runtime";
import { bytes, makeTempDir, RecordingTracer, text, waitFor } from "./helpers";

describe("createRealRuntime", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it("binds every port to this machine and close() releases them all", async () => {
    const temp = makeTempDir("runtime");
    cleanups.push(temp.remove);
    const tracer = new RecordingTracer();
    const runtime = await createRealRuntime({ nodeId: "n1", dataDir: join(temp.dir, "n1"), listen: { host: "127.0.0.1", port: 0 }, peers: { n1: "ws://ignored" }, tracer });
    expect(runtime.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(join(temp.dir, "n1", "disk.sqlite"))).toBe(true);
    runtime.disk.append("log", bytes("x"));
    let timerFired = false;
    runtime.clock.setTimer(10_000, () => (timerFired = true));
    const events: string[] = [];
    runtime.spawner.spawn({ vmName: "vm", generation: 1, launch: { backend: "process", argv: ["sleep", "30"], vcpus: 1, memoryMib: 1 } }, (e) => events.push(e.kind));
    await waitFor(() => events.includes("started"));
    await runtime.close();
    await runtime.close();
    expect(events.at(-1)).toBe("exited");
    expect(runtime.clock.pendingTimerCount()).toBe(0);
    expect(timerFired).toBe(false);
    expect(() => runtime.disk.read("log")).toThrow(/closed/);
    const reopened = await createRealRuntime({ nodeId: "n1", dataDir: join(temp.dir, "n1"), listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer });
    expect(text(reopened.disk.read("log"))).toBe("x");
    await reopened.close();
  });

  it("reports a taken port as an error and leaves nothing open behind", async () => {
    const temp = makeTempDir("runtime");
    cleanups.push(temp.remove);
    const tracer = new RecordingTracer();
    const first = await createRealRuntime({ nodeId: "n1", dataDir: join(temp.dir, "n1"), listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer });
    const port = Number(new URL(first.url).port);
    await expect(createRealRuntime({ nodeId: "n2", dataDir: join(temp.dir, "n2"), listen: { host: "127.0.0.1", port }, peers: {}, tracer })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
