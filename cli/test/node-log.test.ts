import { describe, expect, it } from "vitest";
import { NodeLog, type LogFormat, type LogLevel } from "../src/node/node-log";

function harness(format: LogFormat, level: LogLevel = "info") {
  let nowMs = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const out: string[] = [];
  const err: string[] = [];
  const log = new NodeLog("n1", format, level, { out: (line) => out.push(line), err: (line) => err.push(line) }, { nowMs: () => nowMs });
  return { log, out, err, advance: (ms: number) => (nowMs += ms) };
}

describe("NodeLog", () => {
  it("writes one JSON object per line with time, level, node and message; warnings and errors to stderr", () => {
    const { log, out, err } = harness("json");
    log.info("blixard node n1 serving on ws://127.0.0.1:7001", { voters: "n1,n2" });
    log.error("blixard node n1 refused to start: storage-corrupt: bad checksum", { hint: "remove the node and re-add it" });
    expect(out.map((line) => JSON.parse(line))).toEqual([
      { time: "2026-01-02T03:04:05.678Z", level: "info", node: "n1", msg: "blixard node n1 serving on ws://127.0.0.1:7001", voters: "n1,n2" },
    ]);
    expect(JSON.parse(err[0] ?? "")).toMatchObject({ level: "error", msg: "blixard node n1 refused to start: storage-corrupt: bad checksum", hint: "remove the node and re-add it" });
  });

  it("writes human lines, the hint on a line of its own", () => {
    const { log, out, err } = harness("text");
    log.info("serving", { url: "ws://127.0.0.1:7001", note: "two words" });
    log.warn("disk slow", { hint: "check the disk" });
    expect(out).toEqual(['2026-01-02T03:04:05.678Z INFO  serving url=ws://127.0.0.1:7001 note="two words"']);
    expect(err).toEqual(["2026-01-02T03:04:05.678Z WARN  disk slow\n  hint: check the disk"]);
  });

  it("logs trace warnings, the events operators follow at info and the rest at debug; drops what is below the level", () => {
    const info = harness("json", "info");
    info.log.tracer().event("role-changed", { node: "n1", role: "leader", term: 3 });
    info.log.tracer().event("net.connected", { peer: "n2" });
    info.log.tracer().warn("net.socket-error", { peer: "n2", error: "ECONNRESET" });
    expect(info.out.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      { time: "2026-01-02T03:04:05.678Z", level: "info", node: "n1", msg: "role-changed", role: "leader", term: 3 },
    ]);
    expect(info.err.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["net.socket-error"]);
    const debug = harness("json", "debug");
    debug.log.tracer().event("net.connected", { peer: "n2" });
    expect(debug.out).toHaveLength(1);
    const quiet = harness("json", "error");
    quiet.log.warn("ignored");
    quiet.log.info("ignored");
    expect([...quiet.out, ...quiet.err]).toEqual([]);
  });

  it("prints a repeating warning once per window per peer, then says how many it held back", () => {
    const { log, err, advance } = harness("json");
    const tracer = log.tracer();
    for (let i = 0; i < 50; i++) {
      tracer.warn("net.dial-failed", { peer: "n2", retryInMs: 100 });
      tracer.warn("net.dial-failed", { peer: "n3", retryInMs: 100 });
      advance(100);
    }
    tracer.warn("net.dial-failed", { peer: "n2", retryInMs: 100 });
    advance(10_000);
    tracer.warn("net.dial-failed", { peer: "n2", retryInMs: 100 });
    const n2 = err.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r["peer"] === "n2");
    expect(n2.map((r) => r["repeatedSinceLast"])).toEqual([undefined, 50]);
  });
});
