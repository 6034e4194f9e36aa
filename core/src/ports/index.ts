export type { Clock, TimerHandle } from "./clock";
export { DiskIoError } from "./disk";
export type { Disk } from "./disk";
export type { EndpointId, NetEndpoint } from "./net";
export type { RandomSource } from "./random";
export type { Runtime } from "./runtime";
export type { LaunchSpec, MicrovmLaunch, MicrovmRunnerSource, ProcessEvent, ProcessHandle, ProcessSpawner, ProcessSpec } from "./spawner";
export type { TraceFields, Tracer } from "./tracer";
