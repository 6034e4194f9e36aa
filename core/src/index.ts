export * from "./ports/index";
export * from "./errors";
export * from "./raft/log-types";
export * from "./state/index";
export * from "./protocol/index";
export * from "./vm/index";
export * from "./scheduler/index";
export * from "./raft/index";
