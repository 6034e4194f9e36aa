import { describe, expect, it } from "vitest";
import { EMPTY_CLUSTER_CONFIG, decodeConfigEntry } from "../../src/raft/cluster-config";
import { Network } from "./network";

function cluster() {
  const net = new Network(["a", "b", "c"]);
  net.elect("a");
  return net;
}

function change(net: Network, leader: string, kind: "add-voter" | "add-learner" | "promote-learner" | "remove-node", nodeId: string) {
  const r = net.raft(leader).proposeConfigChange({ kind, nodeId });
  if (!r.ok) throw new Error(r.error.message);
  net.deliverAll();
  net.tickAll(2);
  return r.value;
}

describe("membership changes (single-server, effective on append)", () => {
  it("adds a learner that catches up without counting toward quorum, then promotes it", () => {
    const net = cluster();
    for (let i = 0; i < 5; i++) net.propose("a", `before-${i}`);
    net.deliverAll();
    net.addNode("d", EMPTY_CLUSTER_CONFIG);
    const { index } = change(net, "a", "add-learner", "d");
    expect(net.raft("d").status()).toMatchObject({ role: "learner", commitIndex: index });
    expect(net.raft("d").status().config).toEqual({ voters: ["a", "b", "c"], learners: ["d"], votersOutgoing: [] });
    expect(net.node("d").applied).toEqual(net.node("a").applied);
    // The config entry carries the change and the whole resulting configuration.
    const entry = net.raft("a").entriesInMemory().find((e) => e.index === index);
    expect(entry?.kind).toBe("config");
    const decoded = decodeConfigEntry(entry?.data ?? "");
    expect(decoded.ok && decoded.value.change).toEqual({ kind: "add-learner", nodeId: "d" });

    // A learner never campaigns and is not needed for commitment.
    const term = net.raft("d").status().term;
    net.isolate("d");
    net.tick("d", 100);
    expect(net.raft("d").status()).toMatchObject({ term, role: "learner" });
    const p = net.propose("a", "without-d");
    net.deliverAll();
    expect(net.raft("a").status().commitIndex).toBe(p.index);
    net.recover();
    net.tickAll(3);

    change(net, "a", "promote-learner", "d");
    expect(net.raft("d").status().role).toBe("follower");
    expect(net.raft("a").status().config.voters).toEqual(["a", "b", "c", "d"]);
    // With four voters, two cannot commit.
    net.isolate("c");
    net.isolate("d");
    const stuck = net.propose("a", "needs-three");
    net.deliverAll();
    expect(net.raft("a").status().commitIndex).toBeLessThan(stuck.index);
    net.recover();
    net.tickAll(3);
    expect(net.raft("a").status().commitIndex).toBeGreaterThanOrEqual(stuck.index);
  });

  it("removes a follower: the rest commit without it and it cannot disrupt them", () => {
    const net = cluster();
    change(net, "a", "remove-node", "c");
    expect(net.raft("a").status().config.voters).toEqual(["a", "b"]);
    expect(net.raft("a").status().progress?.c).toBeUndefined();
    const p = net.propose("a", "two-of-two");
    net.deliverAll();
    net.propagateCommit("a");
    expect(net.raft("b").status().commitIndex).toBe(p.index);
    // The removed node knows it is out and never campaigns.
    const term = net.raft("c").status().term;
    net.tick("c", 100);
    expect(net.raft("c").status().term).toBe(term);
    // A vote request from it is rejected as coming from a non-member.
    const r = net.raft("b").step({ type: "vote", from: "c", to: "b", term: term + 1, lastLogIndex: 99, lastLogTerm: term, leadershipTransfer: false });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("unknown-peer");
    expect(net.raft("b").status().term).toBe(term);
  });

  it("removes the leader: it steps down once the removal commits and another voter takes over", () => {
    const net = cluster();
    const { index } = change(net, "a", "remove-node", "a");
    expect(net.raft("a").status().role).not.toBe("leader");
    net.tickAll(30);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    expect(["b", "c"]).toContain(leaders[0]);
    const leader = leaders[0] as string;
    expect(net.raft(leader).status().config.voters).toEqual(["b", "c"]);
    expect(net.raft(leader).status().commitIndex).toBeGreaterThanOrEqual(index);
    // The old leader stays quiet: not a voter, never campaigns.
    const term = net.raft("a").status().term;
    net.tick("a", 60);
    expect(net.raft("a").status().role).toBe("follower");
    expect(net.raft("a").status().term).toBe(term);
  });

  it("rejects a config change while another is pending, and before the leader commits in its term", () => {
    const net = cluster();
    net.isolate("a");
    const first = net.raft("a").proposeConfigChange({ kind: "add-learner", nodeId: "d" });
    expect(first.ok).toBe(true);
    const second = net.raft("a").proposeConfigChange({ kind: "add-learner", nodeId: "e" });
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error.code).toBe("config-change-pending");

    // A fresh leader whose noop is not committed yet (all acks are lost) must not start a change.
    const fresh = new Network(["a", "b", "c"]);
    fresh.filter = (m) => (m.type === "append-response" ? null : m);
    fresh.elect("a");
    expect(fresh.raft("a").status()).toMatchObject({ role: "leader", commitIndex: 0 });
    const early = fresh.raft("a").proposeConfigChange({ kind: "add-learner", nodeId: "d" });
    expect(!early.ok && early.error.code).toBe("config-change-pending");
  });

  it("rejects invalid changes with specific errors", () => {
    const net = cluster();
    const cases: [Parameters<typeof change>[2], string][] = [
      ["add-voter", "b"],
      ["promote-learner", "b"],
      ["remove-node", "zz"],
    ];
    for (const [kind, nodeId] of cases) {
      const r = net.raft("a").proposeConfigChange({ kind, nodeId });
      expect(r.ok, `${kind} ${nodeId}`).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("invalid-config-change");
    }
    const follower = net.raft("b").proposeConfigChange({ kind: "add-learner", nodeId: "d" });
    expect(!follower.ok && follower.error.code).toBe("not-leader");
  });
});

describe("leadership transfer (thesis §3.10)", () => {
  it("hands leadership to an up-to-date follower without waiting for a timeout", () => {
    const net = cluster();
    const term = net.raft("a").status().term;
    expect(net.raft("a").transferLeadership("b").ok).toBe(true);
    net.deliverAll();
    expect(net.leaders()).toEqual(["b"]);
    expect(net.raft("b").status().term).toBe(term + 1);
  });

  it("catches a lagging target up first, refusing proposals meanwhile", () => {
    const net = cluster();
    net.isolate("c");
    for (let i = 0; i < 10; i++) net.propose("a", `x${i}`);
    net.deliverAll();
    net.recover();
    expect(net.raft("a").transferLeadership("c").ok).toBe(true);
    const refused = net.raft("a").propose("during-transfer");
    expect(!refused.ok && refused.error.code).toBe("leadership-transfer-in-progress");
    net.deliverAll();
    expect(net.leaders()).toEqual(["c"]);
    expect(net.raft("c").status().lastIndex).toBeGreaterThanOrEqual(11);
  });

  it("abandons the transfer after an election timeout if the target never catches up", () => {
    const net = cluster();
    net.isolate("c");
    expect(net.raft("a").transferLeadership("c").ok).toBe(true);
    expect(net.raft("a").status().leadTransferee).toBe("c");
    net.tick("a", 10);
    expect(net.raft("a").status()).toMatchObject({ role: "leader", leadTransferee: null });
    expect(net.raft("a").propose("after-abort").ok).toBe(true);
  });

  it("refuses a target that is not a voter", () => {
    const net = cluster();
    const r = net.raft("a").transferLeadership("zz");
    expect(!r.ok && r.error.code).toBe("invalid-transfer-target");
  });
});
