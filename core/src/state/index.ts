export type { ApplyContext, StateModule } from "./module";
export { isQueryable, type AnyStateModule, type QueryableModule } from "./queryable";
export { canonicalJson } from "./canonical-json";
export { fnv64Bytes, fnv64Hex, fnv64Offset, fnv64String, fnv64Update, RollingDigest, type Fnv64 } from "./digest";
export {
  decodeCommandEnvelope,
  encodeCommandEnvelope,
  maxClientIdChars,
  maxModuleNameChars,
  validateCommandEnvelope,
  type CommandEnvelope,
} from "./envelope";
export { defaultSessionLimits, SessionTable, type Session, type SessionCheck, type SessionLimits } from "./sessions";
export { StateMachine, type ApplyOutcome, type StateMachineOptions } from "./state-machine";
export * from "./kv/limits";
export * from "./kv/types";
export { KvModule, kvModuleName, type KvImage, type KvOutcome } from "./kv/module";
export { isKvReadOnly, validateKvCommand } from "./kv/validate";
export { SortedMap } from "./kv/sorted-map";
