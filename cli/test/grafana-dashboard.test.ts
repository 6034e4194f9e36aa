import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BlixardNode } from "@blixard/core";
import type { WsNet } from "@blixard/runtime-real";
import { registerNodeGauges } from "../src/node/metrics-server";
import { NodeMetrics } from "../src/node/node-metrics";

/** ops/grafana/blixard-dashboard.json must only chart metrics a node really exports. */
const dashboardPath = join(import.meta.dirname, "..", "..", "ops", "grafana", "blixard-dashboard.json");

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: { expr: string }[];
}

describe("the Grafana dashboard", () => {
  const dashboard = JSON.parse(readFileSync(dashboardPath, "utf8")) as { panels: Panel[]; templating: { list: { name: string }[] } };

  it("charts only metrics a node's registry exports (histogram series by their base name)", () => {
    const metrics = new NodeMetrics("n1");
    // Registration alone never reads the node: the gauges read it when scraped.
    registerNodeGauges(metrics.registry, {} as BlixardNode, {} as WsNet);
    const referenced = new Set<string>();
    for (const panel of dashboard.panels) for (const target of panel.targets ?? []) for (const name of target.expr.match(/\b(?:blixard|process|nodejs)_[a-z0-9_]+/g) ?? []) referenced.add(name);
    expect(referenced.size).toBeGreaterThan(20);
    const missing = [...referenced].filter((name) => metrics.registry.getSingleMetric(name) === undefined && metrics.registry.getSingleMetric(name.replace(/_(bucket|count|sum)$/, "")) === undefined);
    expect(missing).toEqual([]);
  });

  it("is a well-formed dashboard: unique panel ids, every panel placed and on the data-source variable, node and data-source variables", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.w).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      if (panel.type !== "row") expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "node"]);
  });
});
