import { describe, expect, it } from "vitest";
import type { SnapshotChunk, SnapshotChunkResponse } from "../../src/raft/messages";
import { Network } from "./network";


function laggingFollowerSetup(seed = 1, snapshotChunkBytes = 16) {
  const net = new Network(["a", "b", "c"], { seed, config: { snapshotChunkBytes } });
  net.elect("a");
  net.isolate("c");
  for (let i = 0; i < 20; i++) net.propose("a", `command-${i}`);
  net.deliverAll();
  net.tickAll(2);
  const snapshot = net.compact("a");
  expect(net.raft("a").status().firstIndex).toBe(snapshot.meta.index + 1);
  return { net, snapshot };
}

describe("snapshots and log compaction", () => {
  it("compact drops the log prefix and refuses to pass the applied index", () => {
    const net = new Network(["a", "b", "c"]);
    net.elect("a");
    for (let i = 0; i < 5; i++) net.propose("a", `x${i}`);
    net.deliverAll();
    const applied = net.raft("a").status().appliedIndex;
    const bad = net.raft("a").compact({ meta: { index: applied + 1, term: 1 }, data: "" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("compact-beyond-applied");
    const snapshot = net.compact("a");
    expect(snapshot.meta.index).toBe(applied);
    expect(net.raft("a").entriesInMemory()).toEqual([]);
    expect(net.raft("a").logTermAt(applied)).toBe(snapshot.meta.term);
    expect(net.raft("a").logTermAt(applied - 1)).toBeUndefined();
  });

  it("entries kept below the snapshot let a slightly lagging follower catch up from the log; one further behind gets the snapshot", () => {
    const net = new Network(["a", "b", "c"], { config: { snapshotChunkBytes: 16 } });
    net.elect("a");
    net.isolate("c");
    for (let i = 0; i < 20; i++) net.propose("a", `command-${i}`);
    net.deliverAll();
    net.tickAll(2);
    const behind = net.raft("c").status().lastIndex;
    const applied = net.raft("a").status().appliedIndex;
    // Keep exactly what c lacks: c catches up by appends alone.
    expect(behind).toBeGreaterThan(0);
    const snapshot = net.compact("a", applied - behind);
    expect(snapshot.meta.index).toBe(applied);
    expect(net.raft("a").status().firstIndex).toBe(behind + 1);
    expect(net.raft("a").logTermAt(applied)).toBe(snapshot.meta.term);
    expect(net.raft("a").latestSnapshot()?.meta.index).toBe(applied);
    net.recover();
    net.tickAll(5);
    expect(net.delivered.some((m) => m.type === "snapshot" && m.to === "c")).toBe(false);
    expect(net.node("c").applied).toEqual(net.node("a").applied);

    // A second compaction keeping less than b lacks: b gets the snapshot.
    net.isolate("b");
    for (let i = 0; i < 10; i++) net.propose("a", `more-${i}`);
    net.deliverAll();
    net.tickAll(2);
    const second = net.compact("a", 3);
    expect(net.raft("a").status().firstIndex).toBe(second.meta.index - 2);
    net.recover();
    net.tickAll(10);
    expect(net.delivered.some((m) => m.type === "snapshot" && m.to === "b")).toBe(true);
    expect(net.node("b").applied).toEqual(net.node("a").applied);
    // Compacting again at the same point is a no-op, whatever is retained.
    expect(net.raft("a").compact({ meta: { index: second.meta.index, term: second.meta.term }, data: second.data }, 0).ok).toBe(true);
    expect(net.raft("a").status().firstIndex).toBe(second.meta.index - 2);
  });

  it("a follower behind the compaction point catches up through a chunked snapshot", () => {
    const { net, snapshot } = laggingFollowerSetup();
    net.recover();
    net.tickAll(5);
    const chunks = net.delivered.filter((m): m is SnapshotChunk => m.type === "snapshot" && m.to === "c");
    expect(snapshot.data.length).toBeGreaterThan(16 * 4);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(snapshot.data.length / 16));
    for (const c of chunks) expect(c.data.length).toBeLessThanOrEqual(16);
    expect(net.node("c").storage.snapshot?.meta.index).toBe(snapshot.meta.index);
    expect(net.node("c").storage.snapshot?.data).toBe(snapshot.data);
    expect(net.raft("c").status().firstIndex).toBe(snapshot.meta.index + 1);
    // The state machine was restored from the image and has everything the leader applied.
    expect(net.node("c").applied).toEqual(net.node("a").applied);
    // Replication continues normally afterwards.
    const { index } = net.propose("a", "after-snapshot");
    net.tickAll(3);
    expect(net.node("c").appliedIndex).toBe(index);
    expect(net.raft("a").status().progress?.c?.state).toBe("replicate");
  });

  it("lost chunks are resent until the snapshot is installed", () => {
    const { net, snapshot } = laggingFollowerSetup(4, 64);
    net.recover();
    net.drop("a", "c", 40);
    net.drop("c", "a", 30);
    net.tickAll(200);
    const sentOffsets = net.delivered.filter((m): m is SnapshotChunk => m.type === "snapshot" && m.to === "c").map((m) => m.offset);
    expect(sentOffsets.length).toBeGreaterThan(new Set(sentOffsets).size); // some offsets went more than once
    expect(net.node("c").storage.snapshot?.data).toBe(snapshot.data);
    net.recover();
    net.tickAll(3);
    expect(net.node("c").applied).toEqual(net.node("a").applied);
  });

  it("a follower rejects an out-of-order chunk and tells the leader where to resume", () => {
    const net = new Network(["a", "b", "c"]);
    const meta = { index: 10, term: 2, config: { voters: ["a", "b", "c"], learners: [], votersOutgoing: [] }, configIndex: 0 };
    const image = JSON.stringify([[10, "2/normal/x"]]); // the test state machine's image format
    const part = Math.ceil(image.length / 3);
    const piece = (offset: number) => image.slice(offset, offset + part);
    const chunk = (offset: number): SnapshotChunk => ({
      type: "snapshot", from: "a", to: "c", term: 2, meta, offset, totalBytes: image.length, data: piece(offset),
      done: offset + piece(offset).length === image.length,
    });
    const c = net.raft("c");
    const responses = () => {
      net.processReady("c");
      const out = net.queue.filter((m): m is SnapshotChunkResponse => m.type === "snapshot-response");
      net.queue = [];
      return out.map((m) => [m.accepted, m.nextOffset]);
    };
    expect(c.step(chunk(part)).ok).toBe(true);
    expect(responses()).toEqual([[false, 0]]);
    c.step(chunk(0));
    expect(responses()).toEqual([[true, part]]);
    c.step(chunk(2 * part));
    expect(responses()).toEqual([[false, part]]);
    c.step(chunk(part));
    c.step(chunk(2 * part));
    expect(responses()).toEqual([[true, 2 * part], [true, image.length]]);
    expect(net.node("c").storage.snapshot).toEqual({ meta, data: image });
    expect(c.status()).toMatchObject({ commitIndex: 10, firstIndex: 11, lastIndex: 10 });
  });

  it("a node restarted from a snapshot resumes after it", () => {
    const { net, snapshot } = laggingFollowerSetup();
    net.restart("a");
    expect(net.raft("a").status()).toMatchObject({ firstIndex: snapshot.meta.index + 1, appliedIndex: snapshot.meta.index });
    net.recover();
    net.tickAll(40);
    expect(net.leaders()).toHaveLength(1);
    for (const id of ["a", "b", "c"]) expect(net.node(id).applied.get(snapshot.meta.index)).toBeDefined();
  });
});
