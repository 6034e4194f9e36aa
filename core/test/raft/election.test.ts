import { describe, expect, it } from "vitest";
import { Network } from "./network";

describe("§5.2 leader election", () => {
  it("a cluster of three elects exactly one leader, and everyone agrees on it", () => {
    const net = new Network(["a", "b", "c"]);
    net.tickAll(40);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    const leader = leaders[0] as string;
    const term = net.raft(leader).status().term;
    for (const id of ["a", "b", "c"]) {
      expect(net.raft(id).status().leaderId).toBe(leader);
      expect(net.raft(id).status().term).toBe(term);
    }
    // The noop of the new term is committed everywhere.
    for (const id of ["a", "b", "c"]) expect(net.raft(id).status().commitIndex).toBe(1);
  });
});
