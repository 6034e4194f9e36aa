import { describe, expect, it } from "vitest";
import type { ProcessEvent, ProcessHandle, ProcessSpec, Runtime } from "@blixard/core";
import { Simulation, type ProcessConfig } from "../src/index";

const spec = (vmName: string, generation = 1): ProcessSpec => ({ vmName, generation, launch: { backend: "sim", argv: [], vcpus: 1, memoryMib: 128 } });

function host(process: Partial<ProcessConfig> = {}): { sim: Simulation; rt: () => Runtime } {
  const sim = new Simulation({ seed: 11, process });
  sim.addNode("h1", (rt) => rt);
  sim.addNode("h2", (rt) => rt);
  return { sim, rt: () => sim.instance<Runtime>("h1")! };
}

function spawnRecording(rt: Runtime, vm: string): { events: string[]; handle: ProcessHandle } {
  const events: string[] = [];
  const render = (e: ProcessEvent): string => (e.kind === "output" ? `output:${e.line}` : e.kind === "exited" ? `exited:${e.exitCode}:${e.signal}` : e.kind);
  const handle = rt.spawner.spawn(spec(vm), (e) => events.push(render(e)));
  return { events, handle };
}

describe("process model", () => {
  it("spawn → started, booting output, booted, ready; never synchronously inside spawn", () => {
    const { sim, rt } = host();
    const { events, handle } = spawnRecording(rt(), "web");
    expect(events).toEqual([]);
    expect(sim.aliveProcesses()).toMatchObject([{ nodeId: "h1", processId: handle.processId, vmName: "web", generation: 1, booted: false }]);
    sim.runUntil(5_000_000);
    expect(events).toEqual(["started", "output:booting web", "booted", "output:web ready"]);
    expect(sim.aliveProcesses()).toMatchObject([{ booted: true, phase: "running" }]);
  });

  it("stop exits 0 after a shutdown delay; kill exits with SIGKILL soon", () => {
    const { sim, rt } = host();
    const a = spawnRecording(rt(), "a");
    const b = spawnRecording(rt(), "b");
    sim.runUntil(5_000_000);
    a.handle.stop();
    b.handle.kill();
    sim.runUntil(5_010_000);
    expect(b.events.at(-1)).toBe("exited:null:SIGKILL");
    sim.runUntil(6_000_000);
    expect(a.events.at(-1)).toBe("exited:0:null");
    expect(sim.aliveProcesses()).toEqual([]);
  });

  it("boot failures exit non-zero before booted, with output explaining", () => {
    const { sim, rt } = host({ bootFailureProbability: 1 });
    const { events } = spawnRecording(rt(), "bad");
    sim.runUntil(5_000_000);
    expect(events[0]).toBe("started");
    expect(events).not.toContain("booted");
    expect(events.at(-2)).toMatch(/^output:bad boot failed: /);
    expect(events.at(-1)).toBe("exited:1:null");
  });

  it("booted processes crash at random when a crash rate is set", () => {
    const { sim, rt } = host({ crashMeanUs: 1_000_000 });
    const { events } = spawnRecording(rt(), "flaky");
    sim.runUntil(10_000_000);
    expect(events).toContain("booted");
    expect(events.at(-1)).toBe("exited:137:null");
    expect(sim.processes.stats.crashes).toBe(1);
  });

  it("a host crash kills its processes with no events to the dead node; other hosts keep theirs", () => {
    const { sim, rt } = host();
    const mine = spawnRecording(rt(), "x");
    sim.instance<Runtime>("h2")!.spawner.spawn(spec("y"), () => {});
    sim.runUntil(5_000_000);
    const before = mine.events.length;
    sim.crash("h1");
    sim.runUntil(10_000_000);
    expect(mine.events).toHaveLength(before);
    expect(sim.aliveProcesses().map((p) => p.nodeId)).toEqual(["h2"]);
    expect(sim.processes.stats.diedWithHost).toBe(1);
  });

  it("a malformed spec is a spawn-failed event, not a crash", () => {
    const { sim, rt } = host();
    const events: ProcessEvent[] = [];
    rt().spawner.spawn({ vmName: "", generation: -1, launch: { backend: "sim", argv: [], vcpus: 0, memoryMib: 1 } }, (e) => events.push(e));
    sim.runUntil(1_000_000);
    expect(events).toMatchObject([{ kind: "spawn-failed" }]);
    expect(sim.aliveProcesses()).toEqual([]);
  });
});
