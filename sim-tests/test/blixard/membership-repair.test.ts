import { describe, expect, it } from "vitest";
import { attachRepairOperator, convergenceProblem, usFromMs } from "@blixard/runtime-sim";
import { expectLinearizable, scriptedCluster, VOTERS } from "./membership-helpers";

describe("the simulated operator repairs a node with corrupt storage", () => {
  it("a node whose WAL rotted while it was down refuses to start; the operator removes, wipes, re-adds and promotes it", () => {
    const { sim, cluster, history, clients, repairEvents } = scriptedCluster(23);
    const operator = attachRepairOperator(sim, cluster);
    sim.runFor(usFromMs(3_000));
    const leader = cluster.leaders()[0]?.id ?? "";
    const victim = VOTERS.find((id) => id !== leader) ?? "";

    sim.crash(victim);
    const wal = sim.disk(victim).durableFiles().find((f) => f.startsWith("raft-wal-"));
    expect(wal).toBeDefined();
    expect(sim.disk(victim).flipBits(wal ?? "", 2, sim.diskRandom(victim))).toHaveLength(2);
    sim.restart(victim);
    expect(cluster.refusedNodes().get(victim)).toMatch(/^storage-corrupt: /);
    expect(cluster.node(victim)?.health).toBe("failed");

    // Within the operator's reaction delay the node is still refusing, and out of nobody's config yet.
    sim.runFor(usFromMs(500));
    expect(cluster.refusedNodes().has(victim)).toBe(true);
    expect(operator.stats.repairsStarted).toBe(0);

    for (let waited = 0; waited < 20_000 && operator.stats.repairsCompleted === 0; waited += 250) sim.runFor(usFromMs(250));
    expect(sim.failure).toBeNull();
    expect(operator.stats).toMatchObject({ repairsStarted: 1, repairsCompleted: 1 });
    expect(cluster.refusedNodes().size).toBe(0);
    expect(cluster.node(victim)?.health).toBe("serving");
    expect(cluster.node(victim)?.raftStatus()?.config.voters).toEqual(VOTERS);

    for (const client of clients) client.stop();
    sim.runFor(usFromMs(2_000));
    const leaderNow = cluster.leaders()[0]?.id ?? "";
    const committed = cluster.node(leaderNow)?.raftStatus()?.commitIndex ?? 0;
    sim.runFor(usFromMs(1_000));
    expect(convergenceProblem(cluster, committed)).toBeNull();
    expect(sim.failure).toBeNull();
    expect(expectLinearizable(history)).not.toBe("not-linearizable");
    // The trace tells the story in order.
    expect(repairEvents[0]).toBe("ev.repair.start");
    expect(repairEvents).toContain("ev.repair.wiped");
    expect(repairEvents[repairEvents.length - 1]).toBe("ev.repair.done");
  }, 30_000);
});
