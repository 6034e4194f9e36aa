import type { Runtime } from "@blixard/core";
import { Simulation, type SimulationOptions } from "../src/index";

/** A node that records what it receives and exposes its runtime: the smallest thing to poke the world with. */
export interface ProbeNode {
  readonly runtime: Runtime;
  readonly received: { from: string; payload: Uint8Array; atUs: number }[];
}

export function probeWorld(nodeIds: readonly string[], options: Partial<SimulationOptions> = {}): { sim: Simulation; probe: (id: string) => ProbeNode } {
  const sim = new Simulation({ seed: 7, network: { latency: { baseUs: 1_000, jitterUs: 0, tailProbability: 0, tailUs: 0 } }, ...options });
  for (const id of nodeIds) {
    sim.addNode(id, (runtime): ProbeNode => {
      const node: ProbeNode = { runtime, received: [] };
      runtime.net.onReceive((from, payload) => node.received.push({ from, payload, atUs: sim.nowUs() }));
      return node;
    });
  }
  return { sim, probe: (id) => sim.instance<ProbeNode>(id)! };
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
