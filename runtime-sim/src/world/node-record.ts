import type { NodeClockModel } from "../clock/clock-model";
import type { SimDisk } from "../disk/sim-disk";
import type { SimRandom } from "../random/streams";
import type { QueuedEvent } from "./event-queue";
import type { BootFn } from "./runtime-types";

/** The world's bookkeeping for one simulated host. Internal to the simulator. */
export interface NodeRecord {
  readonly nodeId: string;
  readonly boot: BootFn<unknown>;
  /** Bumped on crash and on restart: events scheduled by an older incarnation are stale. */
  incarnation: number;
  up: boolean;
  paused: boolean;
  /** Events that came due while paused, replayed in order on resume. */
  deferred: QueuedEvent[];
  instance: unknown;
  readonly clock: NodeClockModel;
  readonly disk: SimDisk;
  /** Runtime.random: one stream for the node's whole life, continued across restarts. */
  readonly random: SimRandom;
  readonly clockRandom: SimRandom;
  readonly diskRandom: SimRandom;
  readonly processRandom: SimRandom;
  crashes: number;
  restarts: number;
}

/** Events a paused node may hold before the run fails as a livelock guard. */
export const MAX_DEFERRED_EVENTS_PER_NODE = 1_000_000;
