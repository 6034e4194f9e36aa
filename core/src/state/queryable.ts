import type { Result } from "../errors";
import type { StateModule } from "./module";

/**
 * A module that can also answer read-only queries from its applied state,
 * without a log entry (the node calls this after ReadIndex confirms the read
 * is linearizable).
 */
export interface QueryableModule<Command, Outcome> extends StateModule<Command, Outcome> {
  query(query: unknown): Result<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- modules differ in command and outcome types
export type AnyStateModule = StateModule<any, unknown>;

export function isQueryable(module: AnyStateModule): module is QueryableModule<unknown, unknown> {
  return typeof (module as Partial<QueryableModule<unknown, unknown>>).query === "function";
}
