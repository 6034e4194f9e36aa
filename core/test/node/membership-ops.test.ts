import { describe, expect, it } from "vitest";
import type { ConfigView, MembershipChangeResult, TransferResult } from "../../src/node/membership-ops";
import { promoteCatchUpEntriesMax } from "../../src/node/membership-ops";
import type { NodeStatusView } from "../../src/node/node-status";
import { defaultClientOps } from "../../src/protocol/client-ops";
import { NodeWorld, TestClient, type Answer } from "./harness";

const VOTERS = ["n1", "n2", "n3"];
const membership = (type: string, nodeId: string) => ({ module: "membership", command: { type, nodeId } });
const conditional = (type: string, nodeId: string, ifConfigIndex: number) => ({ module: "membership", command: { type, nodeId, ifConfigIndex } });
const showConfig = { module: "membership", command: { type: "show-config" } };

function resultOf<T>(answer: Answer): T {
  if (!answer.ok) throw new Error(`expected success, got ${answer.error.code}: ${answer.error.message}`);
  return answer.result as T;
}

function errorCode(answer: Answer): string {
  if (answer.ok) throw new Error(`expected an error, got ${JSON.stringify(answer.result)}`);
  return answer.error.code;
}

function cluster(): { world: NodeWorld; leader: string; follower: string; client: TestClient } {
  const world = new NodeWorld();
  for (const id of VOTERS) world.addNode(id, VOTERS);
  const leader = world.electLeader().nodeId;
  world.runFor(100);
  return { world, leader, follower: VOTERS.find((id) => id !== leader) ?? "", client: new TestClient(world) };
}

describe("membership ops", () => {
  it("add-learner then promote: a joiner started with an empty config catches up and becomes a voter", () => {
    const { world, leader, client } = cluster();
    for (let i = 0; i < 20; i++) client.ask(leader, { module: "kv", command: { type: "put", key: `k${i}`, value: "v" } }, { write: true });
    world.addNode("n4", []);
    const added = resultOf<MembershipChangeResult>(client.ask(leader, membership("add-learner", "n4"), { write: true }));
    expect(added).toMatchObject({ type: "add-learner", nodeId: "n4", changed: true, config: { voters: VOTERS, learners: ["n4"] } });
    world.runFor(500);
    const joiner = world.nodes.get("n4")?.nodeStatus();
    expect(joiner?.role).toBe("learner");
    expect(joiner?.appliedIndex).toBe(world.nodes.get(leader)?.nodeStatus().commitIndex);
    expect(world.nodes.get("n4")?.stateMachine.digest).toBe(world.nodes.get(leader)?.stateMachine.digest);
    const promoted = resultOf<MembershipChangeResult>(client.ask(leader, membership("promote", "n4"), { write: true }));
    expect(promoted).toMatchObject({ changed: true, config: { voters: [...VOTERS, "n4"], learners: [] } });
    expect(promoted.index).toBeGreaterThan(added.index);
    world.runFor(200);
    expect(world.nodes.get("n4")?.nodeStatus().role).toBe("follower");
  });

  it("is idempotent: re-adding a member, promoting a voter, removing a non-member answer changed=false", () => {
    const { leader, client } = cluster();
    for (const [type, id] of [["add-learner", "n2"], ["promote", "n3"], ["remove", "n9"]] as const) {
      const result = resultOf<MembershipChangeResult>(client.ask(leader, membership(type, id), { write: true }));
      expect(result).toMatchObject({ type, nodeId: id, changed: false, config: { voters: VOTERS, learners: [] } });
    }
  });

  it("refuses to promote an unknown node, and a learner that has not caught up", () => {
    const { leader, client } = cluster();
    const unknown = client.ask(leader, membership("promote", "n9"), { write: true });
    expect(errorCode(unknown)).toBe("unknown-node");
    expect(unknown.ok ? "" : unknown.error.hint).toContain("add-learner");
    // n5 is added but never started: its match index stays 0.
    expect(resultOf<MembershipChangeResult>(client.ask(leader, membership("add-learner", "n5"), { write: true })).changed).toBe(true);
    const lagging = client.ask(leader, membership("promote", "n5"), { write: true });
    expect(errorCode(lagging)).toBe("learner-not-caught-up");
    expect(lagging.ok ? "" : lagging.error.message).toContain(`at most ${promoteCatchUpEntriesMax}`);
  });

  it("refuses a second change while one is uncommitted", () => {
    const { leader, client } = cluster();
    const first = client.send(leader, membership("add-learner", "n6"), { write: true });
    const second = client.send(leader, membership("add-learner", "n7"), { write: true });
    expect(errorCode(client.waitFor(second))).toBe("config-change-pending");
    expect(resultOf<MembershipChangeResult>(client.waitFor(first)).changed).toBe(true);
  });

  it("refuses to remove the last voter", () => {
    const world = new NodeWorld();
    world.addNode("n1", ["n1"]);
    world.electLeader();
    const answer = new TestClient(world).ask("n1", membership("remove", "n1"), { write: true });
    expect(errorCode(answer)).toBe("last-voter");
  });

  it("a follower forwards a removal to the leader; the removed node leaves the config everywhere", () => {
    const { world, leader, follower, client } = cluster();
    const victim = VOTERS.find((id) => id !== leader && id !== follower) ?? "";
    const removed = resultOf<MembershipChangeResult>(client.ask(follower, membership("remove", victim), { write: true }));
    expect(removed.config.voters).toEqual(VOTERS.filter((id) => id !== victim));
    world.runFor(200);
    for (const id of [leader, follower]) expect(world.nodes.get(id)?.nodeStatus().config?.voters).not.toContain(victim);
    // A fresh client: membership ops do not open a session (see ClientOpHandler.sessionless).
    expect(new TestClient(world, "client-2").ask(leader, { module: "kv", command: { type: "put", key: "after", value: "1" } }, { write: true }).ok).toBe(true);
  });

  it("the leader removes itself: it answers, then hands leadership to a remaining voter", () => {
    const { world, leader, client } = cluster();
    const removed = resultOf<MembershipChangeResult>(client.ask(leader, membership("remove", leader), { write: true }));
    expect(removed.config.voters).not.toContain(leader);
    world.runFor(1_000);
    const next = world.leader();
    expect(next?.nodeId).not.toBe(leader);
    expect(next?.nodeStatus().config?.voters).toEqual(VOTERS.filter((id) => id !== leader));
  });

  it("transfers leadership to a voter and answers once the target leads; refuses learners and strangers", () => {
    const { world, leader, follower, client } = cluster();
    const before = world.nodes.get(leader)?.nodeStatus().term ?? 0;
    const moved = resultOf<TransferResult>(client.ask(leader, membership("transfer-leadership", follower), { write: true }));
    expect(moved).toMatchObject({ type: "transfer-leadership", leaderId: follower });
    expect(moved.term).toBeGreaterThan(before);
    expect(world.leader()?.nodeId).toBe(follower);
    expect(errorCode(client.ask(follower, membership("transfer-leadership", "n9"), { write: true }))).toBe("unknown-node");
    resultOf(client.ask(follower, membership("add-learner", "n8"), { write: true }));
    expect(errorCode(client.ask(follower, membership("transfer-leadership", "n8"), { write: true }))).toBe("not-a-voter");
    const self = resultOf<TransferResult>(client.ask(follower, membership("transfer-leadership", follower), { write: true }));
    expect(self.leaderId).toBe(follower);
  });

  it("a transfer to an unreachable voter fails with leadership-transfer-failed, and the leader keeps leading", () => {
    const { world, leader, follower, client } = cluster();
    world.isolate(follower);
    const answer = client.ask(leader, membership("transfer-leadership", follower), { write: true, withinMs: 10_000 });
    expect(errorCode(answer)).toBe("leadership-transfer-failed");
    expect(world.leader()?.nodeId).toBe(leader);
    const status: NodeStatusView | undefined = world.nodes.get(leader)?.nodeStatus();
    expect(status?.role).toBe("leader");
  });

  it("a change names its configuration (ifConfigIndex): a late copy of a remove after remove, re-add and promote is refused", () => {
    const { world, leader, follower, client } = cluster();
    const victim = VOTERS.find((id) => id !== leader && id !== follower) ?? "";
    const shown = resultOf<ConfigView>(client.ask(follower, showConfig, { write: true }));
    expect(shown).toMatchObject({ type: "show-config", configIndex: 0, leaderId: leader, config: { voters: VOTERS } });
    const removeOp = conditional("remove", victim, shown.configIndex);
    const removed = resultOf<MembershipChangeResult>(client.ask(follower, removeOp, { write: true }));
    expect(removed).toMatchObject({ changed: true, configIndex: removed.index });
    const added = resultOf<MembershipChangeResult>(client.ask(leader, conditional("add-learner", victim, removed.configIndex), { write: true }));
    world.runFor(500);
    const promoted = resultOf<MembershipChangeResult>(client.ask(leader, conditional("promote", victim, added.configIndex), { write: true }));
    expect(promoted.config.voters).toContain(victim);
    // The same remove again, as a replayed or late-delivered copy would bring it: the voter set is as it was, the configuration is not.
    const replayed = client.ask(follower, removeOp, { write: true });
    expect(errorCode(replayed)).toBe("config-changed");
    expect(replayed.ok ? "" : replayed.error.message).toContain(`made at index ${shown.configIndex}, and the one in force was made at index ${promoted.configIndex}`);
    world.runFor(200);
    for (const id of VOTERS) expect(world.nodes.get(id)?.nodeStatus()).toMatchObject({ config: { voters: VOTERS }, configIndex: promoted.configIndex });
    // An idempotent no-op stays an answer whatever the index: nothing would change.
    expect(resultOf<MembershipChangeResult>(client.ask(leader, conditional("add-learner", victim, 0), { write: true }))).toMatchObject({ changed: false, configIndex: promoted.configIndex });
  });

  it("answers about committed configurations only: show-config and changes wait while a change is uncommitted", () => {
    const { leader, client } = cluster();
    const first = client.send(leader, membership("add-learner", "n6"), { write: true });
    const shown = client.send(leader, showConfig, { write: true });
    const noop = client.send(leader, membership("add-learner", "n2"), { write: true });
    expect(errorCode(client.waitFor(shown))).toBe("config-change-pending");
    expect(errorCode(client.waitFor(noop))).toBe("config-change-pending");
    const added = resultOf<MembershipChangeResult>(client.waitFor(first));
    expect(resultOf<ConfigView>(client.ask(leader, showConfig, { write: true })).configIndex).toBe(added.index);
  });

  it("names a configuration the same way on every node across compaction, snapshot install and restart", () => {
    const world = new NodeWorld();
    const small = { snapshotThresholdEntries: 16, snapshotCatchUpEntries: 0 };
    for (const id of VOTERS) world.addNode(id, VOTERS, small);
    const leader = world.electLeader().nodeId;
    world.runFor(100);
    const client = new TestClient(world);
    const added = resultOf<MembershipChangeResult>(client.ask(leader, membership("add-learner", "n4"), { write: true }));
    for (let i = 0; i < 80; i++) client.ask(leader, { module: "kv", command: { type: "put", key: `k${i % 7}`, value: `${i}` } }, { write: true });
    world.runFor(200);
    const leaderStatus = world.nodes.get(leader)?.nodeStatus();
    expect(leaderStatus?.firstIndex).toBeGreaterThan(added.index + 1); // the config entry itself is compacted away
    expect(leaderStatus?.configIndex).toBe(added.index);
    // n4 starts only now, so it can only catch up from a snapshot.
    world.addNode("n4", [], small);
    world.runFor(1_000);
    expect(world.nodes.get("n4")?.nodeStatus()).toMatchObject({ role: "learner", configIndex: added.index });
    world.nodes.get("n4")?.stop();
    world.addNode("n4", [], small);
    world.runFor(200);
    expect(world.nodes.get("n4")?.nodeStatus().configIndex).toBe(added.index);
    expect(resultOf<ConfigView>(client.ask("n4", showConfig, { write: true })).configIndex).toBe(added.index);
  });

  it("validates commands strictly", () => {
    const ops = defaultClientOps();
    expect(ops.validate(membership("promote", "n4")).ok).toBe(true);
    expect(ops.validate(conditional("remove", "n4", 12)).ok).toBe(true);
    expect(ops.validate(showConfig).ok).toBe(true);
    expect(ops.isReadOnly(membership("remove", "n4"))).toBe(false);
    expect(ops.usesSession(membership("remove", "n4"))).toBe(false);
    expect(ops.usesSession({ module: "kv", command: { type: "put", key: "k", value: "v" } })).toBe(true);
    const cases: unknown[] = [
      { type: "evict", nodeId: "n1" },
      { type: "remove" },
      { type: "remove", nodeId: "" },
      { type: "remove", nodeId: "x".repeat(500) },
      { type: "remove", nodeId: "n1", force: true },
      { type: "remove", nodeId: "n1", ifConfigIndex: -1 },
      { type: "remove", nodeId: "n1", ifConfigIndex: 1.5 },
      { type: "remove", nodeId: "n1", ifConfigIndex: "7" },
      { type: "transfer-leadership", nodeId: "n1", ifConfigIndex: 3 },
      { type: "show-config", nodeId: "n1" },
      "remove n1",
    ];
    for (const command of cases) {
      const checked = ops.validate({ module: "membership", command });
      expect(checked.ok ? null : checked.error.code, JSON.stringify(command)).toBe("invalid-request");
    }
  });
});
