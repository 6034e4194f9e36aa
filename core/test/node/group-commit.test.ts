import { describe, expect, it } from "vitest";
import { NodeWorld, TestClient } from "./harness";

const VOTERS = ["n1", "n2", "n3"];
const CLIENTS = 24;

/** Puts from CLIENTS clients that reach the leader at one instant; returns the leader's and a follower's syncs for them. */
function syncsForConcurrentPuts(groupCommit: boolean): { leader: number; follower: number; answered: number } {
  const world = new NodeWorld(7, { groupCommit });
  for (const id of VOTERS) world.addNode(id, VOTERS);
  const leader = world.electLeader().nodeId;
  world.runFor(200);
  const follower = VOTERS.find((id) => id !== leader) ?? "";
  const counts = new Map<string, number>();
  for (const id of [leader, follower]) {
    const disk = world.disks.get(id);
    if (disk === undefined) throw new Error(`no disk for ${id}`);
    const sync = disk.sync.bind(disk);
    disk.sync = () => {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      sync();
    };
  }
  const clients = Array.from({ length: CLIENTS }, (_, i) => new TestClient(world, `client-${i}`));
  const sent = clients.map((client, i) => ({ client, id: client.send(leader, { module: "kv", command: { type: "put", key: `k${i}`, value: "v" } }, { write: true }) }));
  const answered = sent.filter(({ client, id }) => client.waitFor(id).ok).length;
  return { leader: counts.get(leader) ?? 0, follower: counts.get(follower) ?? 0, answered };
}

describe("group commit", () => {
  it("persists the proposals that arrive in one turn of the event loop with one sync on the leader and on each follower", () => {
    const grouped = syncsForConcurrentPuts(true);
    const single = syncsForConcurrentPuts(false);
    expect(grouped.answered).toBe(CLIENTS);
    expect(single.answered).toBe(CLIENTS);
    // One append of all proposals on the leader, one of the appends that carry them on a follower.
    expect(grouped.leader).toBe(1);
    expect(grouped.follower).toBeLessThanOrEqual(2);
    expect(single.leader).toBeGreaterThanOrEqual(CLIENTS);
  });
});
