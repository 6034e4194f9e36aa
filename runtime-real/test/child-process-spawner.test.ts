import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { LaunchSpec, ProcessEvent } from "@blixard/core";
import { ChildProcessSpawner, READY_PATTERN_ENV } from "../src/child-process-spawner";
import { FenceClock } from "../src/fence-watchdog";
import { RecordingTracer, waitFor } from "./helpers";

const sh = (script: string, env?: Record<string, string>): LaunchSpec => ({
  backend: "process",
  argv: ["sh", "-c", script],
  vcpus: 1,
  memoryMib: 16,
  ...(env === undefined ? {} : { env }),
});

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("ChildProcessSpawner", () => {
  const spawners: ChildProcessSpawner[] = [];
  afterEach(async () => {
    await Promise.all(spawners.splice(0).map((spawner) => spawner.close()));
  });

  function setup(options: { stopGraceMs?: number; maxLineChars?: number; maxOutputLinesPerSec?: number } = {}) {
    const tracer = new RecordingTracer();
    const spawner = new ChildProcessSpawner({ nodeId: "n1", tracer, ...options });
    spawners.push(spawner);
    const run = (launch: LaunchSpec) => {
      const events: ProcessEvent[] = [];
      const handle = spawner.spawn({ vmName: "vm1", generation: 1, launch }, (event) => events.push(event));
      const exited = () => events.find((event) => event.kind === "exited" || event.kind === "spawn-failed");
      return { handle, events, exited, kinds: () => events.map((event) => event.kind) };
    };
    return { tracer, spawner, run };
  }

  it("reports started, booted, each output line in order, then the exit code; never synchronously", async () => {
    const { run } = setup();
    const child = run(sh("echo one; echo two >&2; printf 'three'; exit 3"));
    expect(child.events).toEqual([]);
    await waitFor(() => child.exited() !== undefined);
    expect(child.kinds()[0]).toBe("started");
    expect(child.kinds()[1]).toBe("booted");
    const lines = child.events.flatMap((event) => (event.kind === "output" ? [event.line] : []));
    expect(lines.sort()).toEqual(["one", "three", "two"]);
    expect(child.events.at(-1)).toEqual({ kind: "exited", processId: child.handle.processId, exitCode: 3, signal: null });
  });

  it("kills a child whose fence passed, and says so; a fence moved on before it passes keeps it running", async () => {
    const { run } = setup();
    const kept = run(sh("sleep 30"));
    const fenced = run(sh("sleep 30"));
    await waitFor(() => kept.kinds().includes("started") && fenced.kinds().includes("started"));
    const now = performance.now();
    kept.handle.fenceUntil(now + 150);
    fenced.handle.fenceUntil(now + 150);
    kept.handle.fenceUntil(now + 60_000);
    await waitFor(() => fenced.exited() !== undefined);
    expect(fenced.exited()).toEqual({ kind: "exited", processId: fenced.handle.processId, exitCode: null, signal: "SIGKILL", fenced: true });
    expect(performance.now() - now).toBeGreaterThanOrEqual(140);
    expect(kept.exited()).toBeUndefined();
  });

  it.skipIf(FenceClock.probe() === null)("a fence holds while the node process is stalled: the watchdog outside it kills the child", async () => {
    const { run } = setup();
    const child = run(sh("echo $$; sleep 30"));
    await waitFor(() => child.kinds().includes("output"));
    const pid = Number(child.events.find((event) => event.kind === "output")?.line);
    expect(isRunning(pid)).toBe(true);
    child.handle.fenceUntil(performance.now() + 200);
    // The node stalls (a busy loop: no timer of this process can fire) well past the fence and the watchdog's poll.
    const stalledUntil = performance.now() + 2_000;
    while (performance.now() < stalledUntil) {
      /* stalled */
    }
    expect(isRunning(pid)).toBe(false);
    await waitFor(() => child.exited() !== undefined);
    expect(child.exited()).toMatchObject({ kind: "exited", signal: "SIGKILL", fenced: true });
  });

  it("reports booted only once a line matches the launch's readiness pattern", async () => {
    const { run } = setup();
    const child = run(sh("echo booting; sleep 0.2; echo 'system READY now'; sleep 30", { [READY_PATTERN_ENV]: "READY" }));
    await waitFor(() => child.kinds().includes("output"));
    expect(child.kinds()).not.toContain("booted");
    await waitFor(() => child.kinds().includes("booted"));
    const booted = child.kinds().indexOf("booted");
    expect(child.events[booted - 1]).toMatchObject({ kind: "output", line: "system READY now" });
    child.handle.kill();
    await waitFor(() => child.exited() !== undefined);
  });

  it("stop() sends SIGTERM to the whole process group, then SIGKILL after the grace period", async () => {
    // A grace the polite child's watchdog wrapper meets even on a loaded machine (200 ms was missed once under CI).
    const { run } = setup({ stopGraceMs: 1000 });
    const polite = run(sh("echo ready; sleep 30"));
    const stubborn = run(sh("trap '' TERM; echo ready; sleep 30 & wait; sleep 30"));
    await waitFor(() => polite.kinds().includes("output") && stubborn.kinds().includes("output"));
    const stoppedAtMs = performance.now();
    polite.handle.stop();
    stubborn.handle.stop();
    await waitFor(() => polite.exited() !== undefined);
    expect(polite.exited()).toMatchObject({ kind: "exited", exitCode: null, signal: "SIGTERM" });
    await waitFor(() => stubborn.exited() !== undefined);
    expect(stubborn.exited()).toMatchObject({ kind: "exited", exitCode: null, signal: "SIGKILL" });
    expect(performance.now() - stoppedAtMs).toBeGreaterThanOrEqual(990);
  });

  it("kill() ends a process at once with SIGKILL, and later stop/kill are no-ops", async () => {
    const { run, spawner } = setup();
    const child = run(sh("echo ready; sleep 30"));
    await waitFor(() => child.kinds().includes("output"));
    child.handle.kill();
    await waitFor(() => child.exited() !== undefined);
    expect(child.exited()).toMatchObject({ signal: "SIGKILL", exitCode: null });
    child.handle.stop();
    child.handle.kill();
    expect(spawner.liveProcessCount()).toBe(0);
    expect(child.kinds().filter((kind) => kind === "exited")).toHaveLength(1);
  });

  it("reports spawn-failed with a clear reason for a missing executable, the sim backend and an empty argv", async () => {
    const { run } = setup();
    const missing = run({ backend: "process", argv: ["/nonexistent/blixard-runner"], vcpus: 1, memoryMib: 1 });
    const simOnly = run({ backend: "sim", argv: ["x"], vcpus: 1, memoryMib: 1 });
    const empty = run({ backend: "microvm-nix", argv: [], vcpus: 1, memoryMib: 1 });
    const noPlan = run({ backend: "microvm-nix", argv: ["current/bin/microvm-run"], vcpus: 1, memoryMib: 1 });
    const badPattern = run(sh("true", { [READY_PATTERN_ENV]: "(" }));
    expect(simOnly.events).toEqual([]);
    await waitFor(() => [missing, simOnly, empty, noPlan, badPattern].every((child) => child.exited() !== undefined));
    expect(noPlan.exited()).toMatchObject({ kind: "spawn-failed", reason: "a microvm-nix launch needs its microvm plan (launch.microvm)" });
    expect(missing.events).toEqual([{ kind: "spawn-failed", processId: missing.handle.processId, reason: expect.stringMatching(/not found \(ENOENT\)/) }]);
    expect(simOnly.exited()).toMatchObject({ kind: "spawn-failed", reason: expect.stringMatching(/only in the simulator/) });
    expect(empty.exited()).toMatchObject({ kind: "spawn-failed", reason: expect.stringMatching(/argv is empty/) });
    expect(badPattern.exited()).toMatchObject({ kind: "spawn-failed", reason: expect.stringMatching(/not a valid regular expression/) });
  });

  it("cuts long lines and rate-limits output, tracing the dropped count", async () => {
    const { run, tracer } = setup({ maxLineChars: 10, maxOutputLinesPerSec: 5 });
    const child = run(sh("echo 0123456789abcdef; for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done"));
    await waitFor(() => child.exited() !== undefined);
    const lines = child.events.flatMap((event) => (event.kind === "output" ? [event.line] : []));
    expect(lines[0]).toBe("0123456789 …[line cut at 10 chars]");
    expect(lines).toHaveLength(5);
    expect(tracer.find("spawner.output-dropped")).toMatchObject({ lines: 6 });
  });

  it("close() kills every child still running, its own children included", async () => {
    const { run, spawner } = setup();
    const child = run(sh("sleep 30 & echo started-child $!; wait"));
    await waitFor(() => child.kinds().includes("output"));
    const line = child.events.find((event) => event.kind === "output");
    const grandchildPid = Number(line?.kind === "output" ? line.line.split(" ")[1] : NaN);
    await spawner.close();
    expect(child.exited()).toMatchObject({ signal: "SIGKILL" });
    expect(Number.isInteger(grandchildPid)).toBe(true);
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    await waitFor(() => !isRunning(grandchildPid), 1_000);
  });
});
