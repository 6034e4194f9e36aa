import type { Clock, NetEndpoint, RandomSource, Runtime, Tracer } from "@blixard/core";

/** What a simulated client process gets: no disk, no spawner — clients only talk. */
export interface ClientRuntime {
  readonly clientId: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly net: NetEndpoint;
  readonly tracer: Tracer;
}

/** Builds a node's software from its Runtime. Called at addNode and again on every restart. */
export type BootFn<T> = (runtime: Runtime) => T;

/** Builds a client from its ClientRuntime. Called once. */
export type ClientStartFn<T> = (runtime: ClientRuntime) => T;

export type NodeStatus = "up" | "down" | "paused";
