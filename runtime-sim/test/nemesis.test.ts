import { describe, expect, it } from "vitest";
import {
  DEFAULT_RUN_OPTIONS, drawSwarm, formatFaultClasses, Nemesis, parseFaultClasses, parseIntensity, SimRandom, Simulation, toyScenario, type FaultClass,
} from "../src/index";

/** Toy cluster under one fault class for 20 s of faults, then healed. */
function underFaults(faults: FaultClass[], seed = 99) {
  const kinds = new Map<string, number>();
  const sim = new Simulation({ seed, trace: { sink: (e) => kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1) } });
  const nodeIds = ["n1", "n2", "n3", "n4", "n5"];
  const options = { ...DEFAULT_RUN_OPTIONS, seed, faults };
  const run = toyScenario.setup({ sim, options, nodeIds, random: sim.streams.stream("scenario"), faultsEndUs: 20_000_000, endUs: 30_000_000 });
  const nemesis = new Nemesis(sim, faults, drawSwarm(sim.streams.stream("swarm"), faults, nodeIds.length, 1));
  nemesis.start();
  expect(sim.runUntil(20_000_000)).toBe(true);
  const seen = (kind: string): number => kinds.get(kind) ?? 0;
  return { sim, nemesis, seen, nodeIds, run };
}

describe("nemesis fault classes", () => {
  it("network: partitions and spikes are injected and drop real messages", () => {
    const { sim, nemesis } = underFaults(["network"]);
    expect(nemesis.counts.network).toBeGreaterThan(2);
    const d = sim.network.stats.dropped;
    expect(d["partition-at-send"] + d["partition-in-flight"] + d.loss).toBeGreaterThan(0);
    expect(nemesis.counts.crash + nemesis.counts.disk + nemesis.counts.clock).toBe(0);
  });

  it("crash: nodes crash (or stall) and restart; never more than the bound down at once", () => {
    const { sim, nemesis, seen } = underFaults(["crash"]);
    expect(nemesis.counts.crash).toBeGreaterThan(1);
    expect(seen("node.crash") + seen("node.pause")).toBe(nemesis.counts.crash);
    expect(sim.crashCounts().restarts).toBeGreaterThan(0);
  });

  it("disk: torn writes on crash and bit flips while down, caught by the toy's checksums", () => {
    const { nemesis, seen } = underFaults(["disk"], 6);
    expect(nemesis.counts.disk).toBeGreaterThan(1);
    expect(seen("disk.bitflip") + seen("disk.torn")).toBeGreaterThan(0);
    expect(seen("warn.toy.log-repaired")).toBeGreaterThan(0); // the restarted node noticed the damage
  });

  it("clock: drift changes stay within the bound and wall clocks jump", () => {
    const { sim, nemesis, seen, nodeIds } = underFaults(["clock"]);
    expect(nemesis.counts.clock).toBeGreaterThan(2);
    expect(seen("nemesis.clock.drift") + seen("nemesis.clock.wall-jump")).toBe(nemesis.counts.clock);
    for (const id of nodeIds) expect(Math.abs(sim.clock(id).driftPpm)).toBeLessThanOrEqual(sim.clockConfig.maxDriftPpm);
  });

  it("process: VM processes crash or fail to boot", () => {
    const { sim, nemesis } = underFaults(["process"]);
    nemesis.heal();
    expect(nemesis.counts.process).toBeGreaterThan(0);
    expect(sim.processes.stats.crashes + sim.processes.stats.bootFailures).toBe(nemesis.counts.process);
  });

  it("byzantine: a minority's messages are corrupted, replayed or garbled, and receivers reject them", () => {
    const { sim, nemesis, seen } = underFaults(["byzantine"]);
    expect(sim.network.byzantineNodes().length).toBeGreaterThan(0);
    expect(sim.network.byzantineNodes().length).toBeLessThanOrEqual(2);
    expect(nemesis.counts.byzantine).toBeGreaterThan(0);
    expect(sim.network.stats.byzantine).toBeGreaterThan(0);
    expect(seen("warn.toy.gossip-rejected")).toBeGreaterThan(0);
  });

  it("heal restores a healthy world: links up, nodes up, no Byzantine marks, wall jumps undone", () => {
    const { sim, nemesis, nodeIds, run } = underFaults(["network", "crash", "disk", "clock", "process", "byzantine"], 17);
    nemesis.heal();
    run.onQuiet?.();
    expect(sim.network.links.cutCount).toBe(0);
    expect(sim.network.byzantineNodes()).toEqual([]);
    expect(sim.network.currentConfig.lossProbability).toBe(0);
    for (const id of nodeIds) {
      expect(sim.status(id)).toBe("up");
      expect(sim.clock(id).wallJumpUs).toBe(0);
    }
    const injectedBefore = { ...nemesis.counts };
    expect(sim.runUntil(30_000_000)).toBe(true);
    expect(nemesis.counts).toEqual(injectedBefore); // nothing injected after heal
    sim.runEndChecks();
    expect(sim.failure).toBeNull();
  });
});

describe("swarm and selection", () => {
  it("draws different parameters per seed, only for the chosen classes", () => {
    const a = drawSwarm(new SimRandom(1, "swarm"), ["network", "crash"], 5, 0.5);
    const b = drawSwarm(new SimRandom(2, "swarm"), ["network", "crash"], 5, 0.5);
    expect(a.baselineNetwork).not.toEqual(b.baselineNetwork);
    expect(Object.keys(a.meanIntervalUs).sort()).toEqual(["crash", "network"]);
    const calm = drawSwarm(new SimRandom(1, "swarm"), [], 5, 1);
    expect(calm.baselineNetwork.lossProbability).toBe(0);
    expect(calm.byzantineNodes).toBe(0);
  });

  it("higher intensity means shorter gaps between faults", () => {
    const low = drawSwarm(new SimRandom(3, "swarm"), ["crash"], 5, 0.25);
    const high = drawSwarm(new SimRandom(3, "swarm"), ["crash"], 5, 1);
    expect(high.meanIntervalUs.crash!).toBeLessThan(low.meanIntervalUs.crash!);
  });

  it("parses fault selections: all excludes byzantine unless listed", () => {
    const all = parseFaultClasses("all");
    expect(all.ok && all.value).toEqual(["network", "crash", "disk", "clock", "process"]);
    const everything = parseFaultClasses("all,byzantine");
    expect(everything.ok && formatFaultClasses(everything.value)).toBe("all,byzantine");
    const none = parseFaultClasses("none");
    expect(none.ok && none.value).toEqual([]);
    const some = parseFaultClasses("crash, network");
    expect(some.ok && formatFaultClasses(some.value)).toBe("network,crash");
    const bad = parseFaultClasses("network,lightning");
    expect(!bad.ok && bad.error.message).toContain("lightning");
    expect(parseFaultClasses("none,crash").ok).toBe(false);
    const high = parseIntensity("high");
    expect(high.ok && high.value).toBe(1);
    expect(parseIntensity("2").ok).toBe(false);
  });
});
