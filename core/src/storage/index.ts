export { RaftLogStore } from "./raft-log-store";
export type { LogStoreStats, OpenedStore } from "./raft-log-store";
export type { PersistInput } from "./persist-plan";
export type { RecoveredState } from "./replay";
export type { StorageCorruption } from "./storage-errors";
export { DEFAULT_STORAGE_OPTIONS } from "./storage-options";
export type { StorageOptions } from "./storage-options";
export { crc32 } from "./crc32";
