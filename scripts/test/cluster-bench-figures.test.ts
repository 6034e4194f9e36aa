import { describe, expect, it } from "vitest";
import { leaderChangesBetween, type ClusterSample, type NodeSample } from "../bench/cluster/cluster-sample";
import { summarizeLatencies } from "../bench/cluster/latency";
import { promSum } from "../bench/cluster/prom-text";
import { benchKey, benchValue, KEY_BYTES, VALUE_BYTES } from "../bench/cluster/workload";

describe("cluster bench figures", () => {
  it("promSum adds every series of exactly that metric, optionally filtered by label", () => {
    const text = [
      "# HELP blixard_disk_fsync_duration_seconds fsync",
      "blixard_disk_fsync_duration_seconds_bucket{le=\"0.001\"} 3",
      "blixard_disk_fsync_duration_seconds_count 42",
      "blixard_disk_fsync_duration_seconds_count_extra 7",
      "etcd_server_leader_changes_seen_total 2",
      "blixard_raft_proposals_total{kind=\"client\"} 10",
      "blixard_raft_proposals_total{kind=\"node\"} 5",
    ].join("\n");
    expect(promSum(text, "blixard_disk_fsync_duration_seconds_count")).toBe(42);
    expect(promSum(text, "blixard_raft_proposals_total")).toBe(15);
    expect(promSum(text, "blixard_raft_proposals_total", 'kind="node"')).toBe(5);
    expect(promSum(text, "missing_metric")).toBe(0);
  });

  it("latency percentiles are nearest-rank over every sample", () => {
    const us = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1000);
    const s = summarizeLatencies(us);
    expect(s).toEqual({ count: 1000, p50Ms: 500, p99Ms: 990, p999Ms: 999, maxMs: 1000 });
    expect(Number.isNaN(summarizeLatencies([]).p99Ms)).toBe(true);
  });

  it("leader changes between samples are the most any live member saw", () => {
    const node = (id: string, seen: number, up = true): NodeSample => ({ id, up, isLeader: false, leaderChangesSeen: seen, logFsyncs: 0, logFsyncSeconds: 0, cpuMs: 0 });
    const before: ClusterSample = { nodes: [node("a", 1), node("b", 1), node("c", 1)] };
    expect(leaderChangesBetween(before, { nodes: [node("a", 1), node("b", 1), node("c", 1)] })).toBe(0);
    expect(leaderChangesBetween(before, { nodes: [node("a", 2), node("b", 3), node("c", 9, false)] })).toBe(2);
  });

  it("keys and values have the benchmark's sizes", () => {
    for (const n of [0, 1, 99_999, 123_456]) expect(Buffer.byteLength(benchKey(n))).toBe(KEY_BYTES);
    expect(Buffer.byteLength(benchValue("w123c63", 1_000_000))).toBe(VALUE_BYTES);
    expect(benchValue("a", 1)).not.toBe(benchValue("a", 2));
  });
});
