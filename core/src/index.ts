export * from "./ports/index";
export * from "./errors";
export * from "./raft/log-types";
