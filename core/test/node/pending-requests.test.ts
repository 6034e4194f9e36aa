import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PendingRequests, type WaitingFor } from "../../src/node/pending-requests";

const waitingFor: fc.Arbitrary<WaitingFor> = fc.oneof(
  fc.record({ kind: fc.constant("apply" as const), index: fc.integer({ min: 1, max: 5 }), term: fc.constant(1) }),
  fc.record({ kind: fc.constant("read" as const), index: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }) }),
  fc.record({ kind: fc.constant("forward" as const), leaderId: fc.constant("n1") }),
);

const action = fc.oneof(
  fc.record({ op: fc.constant("add" as const), key: fc.integer({ min: 0, max: 6 }), waitingFor }),
  fc.record({ op: fc.constant("update" as const), key: fc.integer({ min: 0, max: 6 }), waitingFor }),
  fc.record({ op: fc.constant("take" as const), key: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ op: fc.constant("takeProposalAt" as const), index: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant("takeReads" as const) }),
  fc.record({ op: fc.constant("expire" as const), nowMs: fc.integer({ min: 0, max: 10 }) }),
);

describe("PendingRequests", () => {
  it("keeps readCount equal to the number of requests waiting for a read, whatever the sequence of changes", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const table = new PendingRequests(100);
        const live = new Map<string, WaitingFor>();
        for (const a of actions) {
          if (a.op === "add") {
            const key = `k${a.key}`;
            table.add({ key, requestId: key, replyTo: a.key % 2 === 0 ? "c1" : "c2", deadlineMs: a.key, waitingFor: a.waitingFor, op: null });
          } else if (a.op === "update") table.update(`k${a.key}`, a.waitingFor);
          else if (a.op === "take") table.take(`k${a.key}`);
          else if (a.op === "takeProposalAt") table.takeProposalAt(a.index);
          else if (a.op === "takeReads") table.takeWhere((r) => r.waitingFor.kind === "read");
          else table.expired(a.nowMs);
          live.clear();
          for (let k = 0; k <= 6; k++) {
            const found = table.get(`k${k}`);
            if (found !== undefined) live.set(found.key, found.waitingFor);
          }
          expect(table.readCount).toBe([...live.values()].filter((w) => w.kind === "read").length);
          // The per-client count (load shedding) follows every change too.
          for (const client of ["c1", "c2"]) {
            const held = [...live.keys()].filter((key) => table.get(key)?.replyTo === client).length;
            expect(table.countFor(client)).toBe(held);
          }
          expect(table.size).toBe(live.size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
