import { describe, expect, it } from "vitest";
import type { Entry, RaftLogView, Runtime } from "@blixard/core";
import { type BlixardCluster, RaftSafetyChecker, Simulation, VmSafetyChecker } from "@blixard/runtime-sim";

// The checkers are the simulator's teeth: each must bite on the violation it exists for.
const entry = (index: number, term: number, data: string): Entry => ({ index, term, kind: "normal", data });

function logOf(entries: readonly Entry[], firstIndex = 1): RaftLogView {
  return {
    firstIndex: () => firstIndex,
    lastIndex: () => entries[entries.length - 1]?.index ?? 0,
    termAt: (i) => entries.find((e) => e.index === i)?.term,
  };
}

describe("RaftSafetyChecker", () => {
  it("passes a healthy history", () => {
    const c = new RaftSafetyChecker();
    const log = [entry(1, 1, "a"), entry(2, 1, "b")];
    c.roleChanged("n1", "leader", 1, "n1", logOf([]));
    for (const id of ["n1", "n2"]) c.entriesPersisted(id, log, logOf(log));
    for (const id of ["n1", "n2"]) for (const e of log) c.entryApplied(id, e, `d${e.index}`);
    expect(c.firstViolation()).toBeNull();
  });

  it("election safety: two leaders of one term", () => {
    const c = new RaftSafetyChecker();
    c.roleChanged("n1", "leader", 3, "n1", logOf([]));
    c.roleChanged("n2", "leader", 3, "n2", logOf([]));
    expect(c.firstViolation()).toMatch(/^election safety: both n1 and n2 became leader of term 3/);
  });

  it("log matching: the same index and term holding different commands", () => {
    const c = new RaftSafetyChecker();
    c.entriesPersisted("n1", [entry(5, 2, "x")], logOf([entry(5, 2, "x")]));
    c.entriesPersisted("n2", [entry(5, 2, "y")], logOf([entry(5, 2, "y")]));
    expect(c.firstViolation()).toMatch(/^log matching: entry 5:2/);
  });

  it("state-machine safety: two nodes applying different entries at one index", () => {
    const c = new RaftSafetyChecker();
    c.entryApplied("n1", entry(7, 2, "x"), "d");
    c.entryApplied("n2", entry(7, 3, "y"), "d");
    expect(c.firstViolation()).toMatch(/^state-machine safety: at index 7/);
  });

  it("state-machine determinism: equal entries, different state digests", () => {
    const c = new RaftSafetyChecker();
    c.entryApplied("n1", entry(7, 2, "x"), "aaaa");
    c.entryApplied("n2", entry(7, 2, "x"), "bbbb");
    expect(c.firstViolation()).toMatch(/^state-machine determinism/);
  });

  it("leader completeness: a new leader missing a committed entry", () => {
    const c = new RaftSafetyChecker();
    c.entryApplied("n1", entry(1, 1, "a"), "d1");
    c.entryApplied("n1", entry(2, 1, "b"), "d2");
    c.roleChanged("n3", "leader", 2, "n3", logOf([entry(1, 1, "a")]));
    expect(c.firstViolation()).toMatch(/^leader completeness: n3 leads term 2/);
  });

  it("leader completeness binds later terms only: a late winner of an older term may lack what a newer leader committed", () => {
    const c = new RaftSafetyChecker();
    c.roleChanged("n1", "leader", 4, "n1", logOf([]));
    c.entryApplied("n1", entry(9, 4, "x"), "d9");
    c.roleChanged("n3", "leader", 3, "n3", logOf([entry(9, 2, "old")]));
    expect(c.firstViolation()).toBeNull();
    c.roleChanged("n2", "leader", 5, "n2", logOf([entry(9, 2, "old")]));
    expect(c.firstViolation()).toMatch(/^leader completeness: n2 leads term 5/);
  });

  it("leader append-only: a leader truncating its own log in its term", () => {
    const c = new RaftSafetyChecker();
    const log = [entry(1, 1, "a"), entry(2, 1, "b")];
    c.roleChanged("n1", "leader", 1, "n1", logOf(log));
    c.entriesPersisted("n1", [entry(2, 1, "b")], logOf(log));
    expect(c.firstViolation()).toMatch(/^leader append-only/);
  });
});

describe("VmSafetyChecker", () => {
  it("flags one VM alive on two hosts, and not one VM per host", () => {
    const sim = new Simulation({ seed: 7 });
    const spawn = (vmName: string) => (rt: Runtime) => {
      rt.spawner.spawn({ vmName, generation: 1, launch: { backend: "sim", argv: ["sim-vm", vmName], vcpus: 1, memoryMib: 256 } }, () => {});
      return rt;
    };
    const noCluster = { onApplied: () => {}, node: () => undefined } as unknown as BlixardCluster;
    sim.addNode("n1", spawn("web-1"));
    sim.addNode("n2", spawn("web-2"));
    const checker = new VmSafetyChecker(sim, noCluster);
    sim.runUntil(3_000_000);
    expect(sim.aliveProcesses()).toHaveLength(2);
    expect(checker.firstViolation()).toBeNull();
    sim.addNode("n3", spawn("web-1"));
    sim.runUntil(6_000_000);
    expect(checker.firstViolation()).toMatch(/^VM web-1 runs on two hosts at once: n1 .* and n3/);
  });
});
