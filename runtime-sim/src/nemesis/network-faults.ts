import type { EndpointId } from "@blixard/core";
import type { SimRandom } from "../random/streams";
import type { Simulation } from "../simulation";
import type { Nemesis } from "./nemesis";
import type { SwarmParams } from "./swarm";

const MS = 1_000;

type Shape = "halves" | "isolate" | "one-way" | "bridge" | "random-links" | "client-cut" | "loss-spike" | "dup-spike" | "delay-spike";
const SHAPES: readonly Shape[] = ["halves", "isolate", "one-way", "bridge", "random-links", "client-cut", "loss-spike", "dup-spike", "delay-spike"];

/**
 * One network fault: a partition of a random shape or a loss/duplication/delay
 * spike, held for a random while, then healed. One at a time, so healing one
 * never undoes another.
 */
export function networkFault(nemesis: Nemesis, sim: Simulation, swarm: SwarmParams, random: SimRandom, done: () => void): void {
  const shape = random.pick(SHAPES);
  const nodes = sim.nodeIds();
  const clients = sim.clientIds();
  const detail = applyShape(shape, sim, swarm, random, nodes, clients);
  if (detail === null) {
    done();
    return;
  }
  nemesis.count("network", shape, detail);
  nemesis.later(random.nextInt(200 * MS, 5_000 * MS), `nemesis.network.heal`, () => {
    sim.network.links.heal();
    sim.network.setConfig(swarm.baselineNetwork);
    done();
  });
}

function applyShape(shape: Shape, sim: Simulation, swarm: SwarmParams, random: SimRandom, nodes: string[], clients: string[]): string | null {
  const links = sim.network.links;
  const all = [...nodes, ...clients];
  if (nodes.length < 2 && shape !== "client-cut" && !shape.endsWith("spike")) return null;
  switch (shape) {
    case "halves": {
      const order = random.shuffle(nodes);
      const split = random.nextInt(1, order.length - 1);
      const groups: EndpointId[][] = [order.slice(0, split), order.slice(split)];
      for (const client of clients) groups[random.nextInt(0, 1)]!.push(client);
      links.partition(groups);
      return groups.map((g) => g.join("+")).join(" | ");
    }
    case "isolate": {
      const victim = random.pick(nodes);
      links.isolate(victim, all);
      return `node=${victim}`;
    }
    case "one-way": {
      const [from, to] = random.shuffle(nodes);
      links.cutOneWay(from!, to!);
      return `${from}->${to}`;
    }
    case "bridge": {
      if (nodes.length < 3) return null;
      const order = random.shuffle(nodes);
      const bridge = order[0]!;
      const rest = order.slice(1);
      const split = random.nextInt(1, rest.length - 1 || 1);
      links.bridge(rest.slice(0, split), rest.slice(split), bridge);
      return `bridge=${bridge} ${rest.slice(0, split).join("+")} | ${rest.slice(split).join("+")}`;
    }
    case "random-links": {
      for (const a of nodes) for (const b of nodes) if (a !== b && random.chance(3, 10)) links.cutOneWay(a, b);
      return links.describe().join(",") || "none";
    }
    case "client-cut": {
      if (clients.length === 0) return null;
      const client = random.pick(clients);
      links.isolate(client, all);
      return `client=${client}`;
    }
    case "loss-spike":
      sim.network.setConfig({ ...swarm.baselineNetwork, lossProbability: swarm.spikeLossProbability });
      return `loss=${swarm.spikeLossProbability.toFixed(4)}`;
    case "dup-spike":
      sim.network.setConfig({ ...swarm.baselineNetwork, duplicateProbability: swarm.spikeDuplicateProbability });
      return `dup=${swarm.spikeDuplicateProbability.toFixed(4)}`;
    case "delay-spike": {
      const base = swarm.baselineNetwork.latency;
      const extraUs = random.nextInt(10 * MS, 500 * MS);
      sim.network.setConfig({ ...swarm.baselineNetwork, latency: { ...base, baseUs: base.baseUs + extraUs, jitterUs: base.jitterUs + extraUs } });
      return `extraUs=${extraUs}`;
    }
  }
}
