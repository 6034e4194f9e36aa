import { describe, expect, it } from "vitest";
import { encodeRaftWire } from "../../src/protocol/wire";
import type { NodeReadMode } from "../../src/node/node-config";
import { NodeWorld } from "./harness";

const VOTERS = ["n1", "n2", "n3"];

/**
 * A node that restarts may have acknowledged a leader's read lease just
 * before it went down; granting a vote at once could elect a second leader
 * while the first still reads under that lease. Nodes in lease mode refuse
 * votes for an election timeout after every start; so must nodes in
 * read-index mode, or a cluster whose nodes disagree on the read mode would
 * serve stale reads.
 */
describe("vote blackout after a start", () => {
  for (const readMode of ["read-index", "lease"] as NodeReadMode[]) {
    it(`a restarted ${readMode} node grants no vote right after it starts (read-lease.test.ts shows it does after an election timeout)`, () => {
      const world = new NodeWorld();
      for (const id of VOTERS) world.addNode(id, VOTERS, { readMode });
      const leader = world.electLeader().nodeId;
      world.runFor(200);
      const [voter, candidate] = VOTERS.filter((id) => id !== leader) as [string, string];
      world.nodes.get(voter)?.stop();
      const restarted = world.addNode(voter, VOTERS, { readMode });
      const term = restarted.nodeStatus().term ?? 0;
      const lastIndex = (restarted.nodeStatus().lastIndex ?? 0) + 100;
      world.isolate(leader); // the refusal must come from the restart, not from hearing the leader
      const vote = { type: "vote", from: candidate, to: voter, term: term + 1, lastLogIndex: lastIndex, lastLogTerm: term + 1, leadershipTransfer: false } as const;
      world.endpoint(candidate).send(voter, encodeRaftWire(vote));
      world.runFor(5);
      expect(restarted.nodeStatus().term).toBe(term);
    });
  }
});
