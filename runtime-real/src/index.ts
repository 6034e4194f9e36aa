export { SystemClock, type SystemClockOptions } from "./system-clock";
export { CryptoRandom, type CryptoRandomOptions } from "./crypto-random";
export { JsonLinesTracer, type JsonLinesTracerOptions } from "./json-tracer";
export { SqliteDisk, type SqliteDiskOptions } from "./sqlite-disk";
export { WsNet, type WsNetOptions, type PeerStatus } from "./ws-net";
export { ChildProcessSpawner, READY_PATTERN_ENV, type ChildProcessSpawnerOptions } from "./child-process-spawner";
export { createRealRuntime, DEFAULT_CLUSTER_ID, type RealRuntime, type RealRuntimeOptions } from "./real-runtime";
export { buildInitramfs, busyboxInitramfs, type InitramfsEntry } from "./qemu/initramfs";
export { probeAccel, tinyMicrovmLaunch, PROBE_INIT_SCRIPT, PROBE_READY_MARKER, type AccelProbe, type AccelProbeOptions, type TinyMicrovm } from "./qemu/probe-accel";
