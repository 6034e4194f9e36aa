import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryMessage } from "./arbitraries";
import { Network } from "./network";

describe("robustness: bad or hostile input never crashes a node", () => {
  it("rejects misaddressed, self-addressed and non-member messages with specific errors", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    const b = net.raft("b");
    const wrong = b.step({ type: "heartbeat-response", from: "a", to: "c", term: 1, context: null, round: 0 });
    expect(!wrong.ok && wrong.error.code).toBe("wrong-recipient");
    const self = b.step({ type: "heartbeat-response", from: "b", to: "b", term: 1, context: null, round: 0 });
    expect(!self.ok && self.error.code).toBe("invalid-raft-message");
    const stranger = b.step({ type: "pre-vote", from: "mallory", to: "b", term: 9, lastLogIndex: 50, lastLogTerm: 9, leadershipTransfer: false });
    expect(!stranger.ok && stranger.error.code).toBe("unknown-peer");
    const garbage = b.step({ type: "append", from: "a" } as never);
    expect(!garbage.ok && garbage.error.code).toBe("invalid-raft-message");
    expect(net.raft("b").status().term).toBe(net.raft("a").status().term);
  });

  it("a follower refuses (without crashing) an append that would overwrite committed entries", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    net.propose("a", "committed");
    net.deliverAll();
    const term = net.raft("b").status().term;
    const r = net.raft("b").step({
      type: "append", from: "a", to: "b", term, prevLogIndex: 0, prevLogTerm: 0, commit: 0, round: 0,
      entries: [{ index: 1, term: 1, kind: "normal", data: "forged" }],
    });
    // prevLogIndex below the commit index is answered with the commit index and changes nothing.
    expect(r.ok).toBe(true);
    expect(net.raft("b").entriesInMemory()[0]?.kind).toBe("noop");
  });

  it("random valid-looking messages from members, injected into a running cluster, never throw", () => {
    const ids = ["a", "b", "c"];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.nat()), { maxLength: 20 }),
        (seed, picks) => {
          const net = new Network(ids, { seed });
          net.tickAll(25);
          const samples = ids.map((to) => fc.sample(arbitraryMessage(ids, to, 8, 12), { seed: seed + to.charCodeAt(0), numRuns: 20 }));
          for (const [to, n] of picks) {
            const pool = samples[ids.indexOf(to)] ?? [];
            const m = pool[n % pool.length];
            if (m === undefined) continue;
            expect(() => net.raft(to).step(m)).not.toThrow();
            expect(() => net.deliverAll(5000)).not.toThrow();
            net.tickAll(1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
