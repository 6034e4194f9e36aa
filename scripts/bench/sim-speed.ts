import type { Runtime } from "../../core/src/index";
import { DEFAULT_RUN_OPTIONS, runSimulation, Simulation } from "../../runtime-sim/src/index";
import { EventQueue, QueuedEvent } from "../../runtime-sim/src/world/event-queue";
import type { Bench, BenchMeasurement } from "../bench";

const TARGET_EVENTS_PER_SECOND = 500_000;

/** Events per wall second of `work`, best of `rounds` (the first round also warms the JIT). */
function rate(rounds: number, work: () => number): number {
  let best = 0;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const events = work();
    best = Math.max(best, (events * 1000) / (performance.now() - started));
  }
  return best;
}

/** Baseline: the bare binary heap, push then pop, no simulation around it. */
function bareHeap(events: number, concurrent: number): number {
  const queue = new EventQueue();
  const noop = (): void => {};
  let seq = 0;
  let x = 12345;
  const next = (now: number): QueuedEvent => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return new QueuedEvent(now + (x % 1000) + 1, seq++, "e", null, -1, "", noop);
  };
  for (let i = 0; i < concurrent; i++) queue.push(next(0));
  for (let i = 0; i < events; i++) {
    const event = queue.pop()!;
    event.fire();
    queue.push(next(event.atUs));
  }
  return events;
}

/** The trivial event loop: `concurrent` self-rescheduling world events through the full Simulation (traced, hashed). */
function trivialLoop(events: number, concurrent: number): number {
  const sim = new Simulation({ seed: 1 });
  let left = events;
  const random = sim.streams.stream("bench");
  const tick = (): void => {
    if (--left > 0) sim.schedule(random.nextInt(1, 1000), "tick", tick);
  };
  for (let i = 0; i < concurrent; i++) sim.schedule(i + 1, "tick", tick);
  sim.runUntil(Number.MAX_SAFE_INTEGER - 1);
  sim.trace.digestHex();
  return sim.eventsProcessed;
}

/** Event-heavy: 5 nodes ping-ponging messages over the simulated network, with timers. */
function pingPong(messages: number): number {
  const sim = new Simulation({ seed: 2 });
  const ids = ["n1", "n2", "n3", "n4", "n5"];
  let left = messages;
  for (const id of ids) {
    sim.addNode(id, (rt: Runtime) => {
      rt.net.onReceive((from, payload) => {
        if (--left > 0) rt.net.send(from, payload);
      });
      return rt;
    });
  }
  for (const a of ids) for (const b of ids) if (a !== b) sim.instance<Runtime>(a)!.net.send(b, new Uint8Array(64));
  sim.runUntil(Number.MAX_SAFE_INTEGER - 1);
  return sim.eventsProcessed;
}

function toyRun(): number {
  const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 12345 });
  if (!result.ok) throw new Error(result.error.message);
  return result.value.eventsProcessed;
}

export const simSpeedBench: Bench = {
  name: "sim-speed",
  description: "raw simulator speed in events per wall second, against a bare heap push/pop loop measured in the same run",
  run(): BenchMeasurement[] {
    const baseline = rate(3, () => bareHeap(1_000_000, 1_000));
    const trivial = rate(3, () => trivialLoop(1_000_000, 1_000));
    const net = rate(3, () => pingPong(300_000));
    const toy = rate(2, toyRun);
    const vs = (value: number): Pick<BenchMeasurement, "ratio" | "baselineMetric"> => ({ ratio: value / baseline, baselineMetric: "bare heap" });
    return [
      { metric: "bare heap push/pop (baseline)", value: baseline, unit: "events/s" },
      { metric: "trivial event loop (traced + hashed)", value: trivial, unit: "events/s", target: TARGET_EVENTS_PER_SECOND, ...vs(trivial) },
      { metric: "network ping-pong, 5 nodes", value: net, unit: "events/s", ...vs(net) },
      { metric: "toy workload, 60 s virtual, all faults", value: toy, unit: "events/s", ...vs(toy) },
    ];
  },
};
