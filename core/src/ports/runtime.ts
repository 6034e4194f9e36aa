import type { Clock } from "./clock";
import type { Disk } from "./disk";
import type { NetEndpoint } from "./net";
import type { RandomSource } from "./random";
import type { ProcessSpawner } from "./spawner";
import type { Tracer } from "./tracer";

/**
 * Everything a node may touch in the world. The simulator and the real runtime
 * each build one per node; core receives it and never constructs adapters.
 */
export interface Runtime {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly net: NetEndpoint;
  readonly disk: Disk;
  readonly spawner: ProcessSpawner;
  readonly tracer: Tracer;
}
