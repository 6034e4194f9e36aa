import { describe, expect, it } from "vitest";
import type { MembershipChangeResult, TransferResult } from "@blixard/core";
import { usFromMs } from "@blixard/runtime-sim";
import { expectLinearizable, membershipOp, runOp, runOpUntil, scriptedCluster, VOTERS } from "./membership-helpers";

function okResult<T>(outcome: ReturnType<typeof runOp>): T {
  if (outcome.kind !== "ok") throw new Error(`expected ok, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as T;
}

describe("membership changes in a simulated cluster under load", () => {
  it("add a 6th node as learner, promote, remove a follower, remove the leader, transfer leadership: Raft stays safe, KV linearizable", () => {
    const { sim, cluster, history, clients, admin } = scriptedCluster(11);
    sim.runFor(usFromMs(2_000));
    expect(cluster.leaders()).toHaveLength(1);

    cluster.addJoiningNode("n6");
    const added = okResult<MembershipChangeResult>(runOp(sim, admin, membershipOp("add-learner", "n6")));
    expect(added.config.learners).toEqual(["n6"]);
    const promoted = okResult<MembershipChangeResult>(runOpUntil(sim, admin, membershipOp("promote", "n6"), (code) => code === "learner-not-caught-up"));
    expect(promoted.config.voters).toEqual([...VOTERS, "n6"]);
    sim.runFor(usFromMs(500));
    expect(cluster.node("n6")?.raftStatus()?.role).toBe("follower");

    const leader1 = cluster.leaders()[0]?.id ?? "";
    const follower = VOTERS.find((id) => id !== leader1) ?? "";
    const withoutFollower = okResult<MembershipChangeResult>(runOp(sim, admin, membershipOp("remove", follower)));
    expect(withoutFollower.config.voters).not.toContain(follower);
    sim.runFor(usFromMs(1_000));

    const leader2 = cluster.leaders()[0]?.id ?? "";
    const withoutLeader = okResult<MembershipChangeResult>(runOpUntil(sim, admin, membershipOp("remove", leader2), (code) => code === "config-change-pending"));
    expect(withoutLeader.config.voters).not.toContain(leader2);
    sim.runFor(usFromMs(2_000));
    const leader3 = cluster.leaders()[0]?.id ?? "";
    expect(leader3).not.toBe("");
    expect(leader3).not.toBe(leader2);

    const remaining = withoutLeader.config.voters;
    const target = remaining.find((id) => id !== leader3) ?? "";
    const moved = okResult<TransferResult>(runOpUntil(sim, admin, membershipOp("transfer-leadership", target), (code) => code === "leadership-transfer-failed"));
    expect(moved.leaderId).toBe(target);
    sim.runFor(usFromMs(200));
    expect(cluster.leaders().map((l) => l.id)).toEqual([target]);

    for (const client of clients) client.stop();
    sim.runFor(usFromMs(3_000));
    expect(sim.failure).toBeNull();
    expect(cluster.safety.firstViolation()).toBeNull();
    expect(clients.every((c) => c.idle)).toBe(true);
    expect(clients.reduce((sum, c) => sum + c.stats.ok, 0)).toBeGreaterThan(50);
    expect(expectLinearizable(history)).not.toBe("not-linearizable");
    // Every remaining member applied the same history.
    const digests = new Set(remaining.map((id) => `${cluster.node(id)?.stateMachine.appliedIndex}:${cluster.node(id)?.stateMachine.digest}`));
    expect(digests.size).toBe(1);
  }, 30_000);
});
