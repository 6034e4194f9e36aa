import { assert, err, ok, type Result } from "../errors";
import { kvModuleName } from "../state/kv/module";
import type { KvCommand } from "../state/kv/types";
import { isKvReadOnly, validateKvCommand } from "../state/kv/validate";
import { invalidRequest, type ClientError } from "./client-errors";
import { ClusterModule } from "../state/cluster/module";
import { clusterModuleName } from "../state/cluster/types";
import { checkOnlyFields, type Fields, isPlainObject, join, readObject, readString } from "./fields";
import { nodeClientOps } from "../node/node-status";
import { membershipClientOps } from "../node/membership-ops";

/**
 * A client operation names the state module it targets and carries that
 * module's command: `{ module: "kv", command: { type: "put", key, value } }`.
 * Writes become log entries (CommandEnvelope); read-only commands are served
 * from applied state after ReadIndex.
 */
export interface ClientOp {
  readonly module: string;
  readonly command: unknown;
}

export interface KvClientOp extends ClientOp {
  readonly module: typeof kvModuleName;
  readonly command: KvCommand;
}

/** How one module's client commands are validated and classified. */
export interface ClientOpHandler {
  readonly module: string;
  /** Strict validation of an untrusted command; `field` is its dotted path for error messages. */
  validate(command: unknown, field: string): Result<unknown, ClientError>;
  /** For a validated command: may it be served without a log entry? */
  isReadOnly(command: unknown): boolean;
  /**
   * Writes that never reach the state machine (membership changes become Raft
   * config entries): the session table never records their seq, so a client
   * should not spend one on them (a first write with seq 1 that is never
   * recorded makes the next, seq 2, look like an evicted session).
   */
  readonly sessionless?: boolean;
}

export const kvClientOps: ClientOpHandler = {
  module: kvModuleName,
  validate: (command, field) => validateKvCommand(command, field),
  isReadOnly: (command) => isKvReadOnly(command as KvCommand),
};

/** The one place client operations are registered, by module name. */
export class ClientOpRegistry {
  private readonly handlers = new Map<string, ClientOpHandler>();

  constructor(handlers: readonly ClientOpHandler[]) {
    for (const handler of handlers) {
      assert(!this.handlers.has(handler.module), "unique-client-op-modules", `module "${handler.module}" registered twice`);
      this.handlers.set(handler.module, handler);
    }
  }

  get modules(): string[] {
    return [...this.handlers.keys()].sort();
  }

  validate(value: unknown, field = "op"): Result<ClientOp, ClientError> {
    const obj = readObject(value, field);
    if (!obj.ok) return obj;
    const only = checkOnlyFields(obj.value, ["module", "command"], field);
    if (!only.ok) return only;
    const module = readString(obj.value, "module", field);
    if (!module.ok) return module;
    const handler = this.handlers.get(module.value);
    if (handler === undefined) {
      const path = join(field, "module");
      return err(invalidRequest(path, `${path} "${module.value.slice(0, 64)}" is not one of: ${this.modules.join(", ")}`));
    }
    const command = handler.validate(obj.value["command"], join(field, "command"));
    if (!command.ok) return command;
    return ok({ module: module.value, command: command.value });
  }

  /** For an op returned by validate(): does a write of it need (clientId, seq)? False for reads and sessionless writes. */
  usesSession(op: ClientOp): boolean {
    const handler = this.handlers.get(op.module);
    return handler !== undefined && handler.sessionless !== true && !handler.isReadOnly(op.command);
  }

  /** For an op returned by validate(). */
  isReadOnly(op: ClientOp): boolean {
    const handler = this.handlers.get(op.module);
    return handler !== undefined && handler.isReadOnly(op.command);
  }
}

const clusterQueryTypes = ["list-vms", "list-hosts", "list-peers", "pending-vms", "get-vm", "vms-on-host"];
const clusterModuleForValidation = new ClusterModule();

/** Cluster operations: commands are validated by the module itself; queries by shape here. */
export const clusterClientOps: ClientOpHandler = {
  module: clusterModuleName,
  validate: (command, field) => {
    const type = isPlainObject(command) ? command["type"] : undefined;
    if (typeof type === "string" && clusterQueryTypes.includes(type)) return validateClusterQuery(command as Fields, field);
    const validated = clusterModuleForValidation.validate(command);
    if (validated.ok) return validated;
    return err(invalidRequest(`${field}`, validated.error.message));
  },
  isReadOnly: (command) => clusterQueryTypes.includes(String((command as { type?: unknown }).type)),
};

function validateClusterQuery(query: Fields, field: string): Result<unknown, ClientError> {
  const type = String(query["type"]);
  const allowed = type === "get-vm" ? ["type", "name"] : type === "vms-on-host" ? ["type", "hostId"] : ["type"];
  const only = checkOnlyFields(query, allowed, field);
  if (!only.ok) return only;
  for (const name of allowed.slice(1)) {
    const value = readString(query, name, field);
    if (!value.ok) return value;
  }
  return ok(query);
}

/** Every module's client operations. Add a module's handler here, in one place. */
export const clientOpHandlers: readonly ClientOpHandler[] = [kvClientOps, clusterClientOps, nodeClientOps, membershipClientOps];

export function defaultClientOps(): ClientOpRegistry {
  return new ClientOpRegistry(clientOpHandlers);
}
