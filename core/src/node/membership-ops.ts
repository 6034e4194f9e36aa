import { blixardError, err, ok, type BlixardError, type Result } from "../errors";
import type { ClientOp, ClientOpHandler } from "../protocol/client-ops";
import { invalidRequest, requestTimeout, type ClientError } from "../protocol/client-errors";
import { checkOnlyFields, readId, readObject, readOptionalInteger, readString } from "../protocol/fields";
import { decodeConfigEntry, isMember, isVoter } from "../raft/cluster-config";
import type { ClusterConfig, Entry, NodeId } from "../raft/log-types";
import { maxNodeIdBytes } from "../raft/messages";
import { configChangePending } from "../raft/errors-raft";
import type { Raft } from "../raft/raft";
import type { RaftStatus } from "../raft/types";

/**
 * Cluster membership as client operations:
 * `{ module: "membership", command: { type: "add-learner" | "promote" | "remove", nodeId, ifConfigIndex? } }`,
 * `{ type: "transfer-leadership", nodeId }` and `{ type: "show-config" }`.
 * They are writes (a follower forwards them to the leader), but not state
 * machine commands: the leader turns them into Raft config changes (or a
 * leadership transfer), so the client session table never sees them.
 *
 * They are declarative and therefore idempotent: adding a node that is
 * already a member, promoting a voter or removing a non-member answers
 * `changed: false` at once. A client retrying after a lost answer gets
 * success, not a misleading error.
 *
 * Being sessionless, a change could apply twice: a copy of an old
 * "remove n3" delivered late (or replayed by a faulty link) after n3 was
 * removed, wiped, re-added and promoted would remove it again. A caller
 * that must not be undone by such a copy names the configuration it decided
 * on: `ifConfigIndex` is the index of the config entry that made it (0 for
 * the bootstrap configuration), read with show-config or from any change's
 * answer (`configIndex`). The leader refuses the change with config-changed
 * unless that is still the configuration in force. The index names one
 * configuration on every node and across compaction (snapshots carry it),
 * and the leader only compares against, and only hands out, committed
 * configurations, so one index never names two configurations.
 *
 * Every error below is a definite "nothing happened":
 * - config-change-pending: one change at a time, and no answer about a
 *   configuration that is not committed yet; retry later;
 * - config-changed: ifConfigIndex names a configuration no longer in force;
 * - unknown-node: promote or transfer to a node that is not a member;
 * - not-a-voter: transfer leadership to a learner;
 * - last-voter: removing the only voter would leave nobody to commit;
 * - learner-not-caught-up: promoting a learner whose log is more than
 *   promoteCatchUpEntriesMax behind the leader's, or not yet streaming
 *   (a voter that cannot ack would count against every quorum).
 * Answers: config changes when their entry applies on the leader (it is then
 * committed); a leadership transfer when this node sees the target lead
 * (ok), someone else lead or the transfer abandoned (leadership-transfer-failed),
 * or its deadline pass (timeout).
 */
export const membershipOpsModuleName = "membership";

export const membershipCommandTypes = ["add-learner", "promote", "remove", "transfer-leadership", "show-config"] as const;
export type MembershipCommandType = (typeof membershipCommandTypes)[number];
export type ConfigChangeCommandType = "add-learner" | "promote" | "remove";

export type MembershipCommand =
  | { readonly type: ConfigChangeCommandType; readonly nodeId: NodeId; readonly ifConfigIndex?: number }
  | { readonly type: "transfer-leadership"; readonly nodeId: NodeId }
  | { readonly type: "show-config" };

/** A learner may be promoted once its log is within this many entries of the leader's last index. */
export const promoteCatchUpEntriesMax = 100;
/** Leadership transfers waiting for their outcome on one node, at most. */
export const transferWaitsMax = 16;

/** What a config change answers. */
export interface MembershipChangeResult {
  readonly type: ConfigChangeCommandType;
  readonly nodeId: NodeId;
  /** False when the cluster already was as asked (nothing was proposed). */
  readonly changed: boolean;
  /** The configuration after the change (the current one when unchanged). */
  readonly config: ClusterConfig;
  /** Log index of the config entry; the leader's last index when unchanged. */
  readonly index: number;
  /** Term of the config entry; the leader's current term when unchanged (an upper bound on when it happened). */
  readonly term: number;
  /** Names `config` for a later change's ifConfigIndex: the index of the config entry that made it. */
  readonly configIndex: number;
}

/** What show-config answers: the leader's committed configuration. */
export interface ConfigView {
  readonly type: "show-config";
  readonly config: ClusterConfig;
  /** Pass this as ifConfigIndex to change exactly this configuration. */
  readonly configIndex: number;
  readonly leaderId: NodeId;
  readonly term: number;
}

/** What a leadership transfer answers. */
export interface TransferResult {
  readonly type: "transfer-leadership";
  readonly nodeId: NodeId;
  readonly leaderId: NodeId;
  readonly term: number;
}

export function isMembershipOp(op: ClientOp | null): op is ClientOp & { command: MembershipCommand } {
  return op !== null && op.module === membershipOpsModuleName;
}

const fieldsByType: Record<MembershipCommandType, readonly string[]> = {
  "add-learner": ["type", "nodeId", "ifConfigIndex"],
  promote: ["type", "nodeId", "ifConfigIndex"],
  remove: ["type", "nodeId", "ifConfigIndex"],
  "transfer-leadership": ["type", "nodeId"],
  "show-config": ["type"],
};

function validateMembershipCommand(command: unknown, field: string): Result<MembershipCommand, ClientError> {
  const obj = readObject(command, field);
  if (!obj.ok) return obj;
  const type = readString(obj.value, "type", field);
  if (!type.ok) return type;
  if (!(membershipCommandTypes as readonly string[]).includes(type.value)) {
    return err(invalidRequest(`${field}.type`, `${field}.type "${type.value.slice(0, 64)}" is not one of: ${membershipCommandTypes.join(", ")}`));
  }
  const kind = type.value as MembershipCommandType;
  const only = checkOnlyFields(obj.value, fieldsByType[kind], field);
  if (!only.ok) return only;
  if (kind === "show-config") return ok({ type: kind });
  const nodeId = readId(obj.value, "nodeId", field, maxNodeIdBytes);
  if (!nodeId.ok) return nodeId;
  if (kind === "transfer-leadership") return ok({ type: kind, nodeId: nodeId.value });
  const ifConfigIndex = readOptionalInteger(obj.value, "ifConfigIndex", field, 0, Number.MAX_SAFE_INTEGER);
  if (!ifConfigIndex.ok) return ifConfigIndex;
  return ok(ifConfigIndex.value === undefined ? { type: kind, nodeId: nodeId.value } : { type: kind, nodeId: nodeId.value, ifConfigIndex: ifConfigIndex.value });
}

export const membershipClientOps: ClientOpHandler = {
  module: membershipOpsModuleName,
  validate: (command, field) => validateMembershipCommand(command, field),
  isReadOnly: () => false,
  sessionless: true,
};

/** The answer for a membership op whose config entry just applied. */
export function configChangeApplied(command: MembershipCommand, entry: Entry): Result<MembershipChangeResult> {
  if (command.type === "show-config" || command.type === "transfer-leadership") {
    return err(blixardError("invalid-config-entry", `a ${command.type} op waited on config entry ${entry.index}; only config changes do`));
  }
  const decoded = decodeConfigEntry(entry.data);
  if (!decoded.ok) return decoded;
  const { config } = decoded.value;
  return ok({ type: command.type, nodeId: command.nodeId, changed: true, config, index: entry.index, term: entry.term, configIndex: entry.index });
}

/** How the membership driver reaches its node. */
export interface MembershipHost {
  readonly nodeId: NodeId;
  raft(): Raft | null;
  nowMs(): number;
  /** Wait for the config entry at (index, term) to apply; the node answers with configChangeApplied. */
  awaitApply(waiter: Waiter, index: number, term: number, op: ClientOp): void;
  reply(to: string, requestId: string, result: Result<unknown, BlixardError>): void;
  /** A configuration change entered the log (for metrics). */
  proposed?(): void;
}

export interface Waiter {
  readonly key: string;
  readonly replyTo: string;
  readonly requestId: string;
  readonly deadlineMs: number;
}

interface TransferWait extends Waiter {
  readonly target: NodeId;
}

/** The leader side of membership ops: checks, proposals and leadership-transfer outcomes. */
export class MembershipDriver {
  private transfers: TransferWait[] = [];

  constructor(private readonly host: MembershipHost) {}

  /** On the leader. An error is a definite refusal the caller answers; ok means answered or waiting. */
  start(op: ClientOp, waiter: Waiter | null): Result<void> {
    const raft = this.host.raft();
    if (raft === null) return err(blixardError("unavailable", `node ${this.host.nodeId} is not serving`, { nodeId: this.host.nodeId }));
    const command = op.command as MembershipCommand;
    if (command.type === "transfer-leadership") return this.startTransfer(raft, command.nodeId, waiter);
    const status = raft.status();
    // Answers name configurations by index: only committed ones, so that an index never names two.
    if (status.configIndex > status.commitIndex) return err(configChangePending(this.host.nodeId, status.configIndex, status.commitIndex));
    if (command.type === "show-config") {
      if (waiter !== null) this.host.reply(waiter.replyTo, waiter.requestId, ok(showConfig(status)));
      return ok(undefined);
    }
    const checked = this.check(status, command);
    if (!checked.ok) return checked;
    if (checked.value !== null) {
      if (waiter !== null) this.host.reply(waiter.replyTo, waiter.requestId, ok(checked.value));
      return ok(undefined);
    }
    if (command.ifConfigIndex !== undefined && command.ifConfigIndex !== status.configIndex) {
      return err(configChanged(this.host.nodeId, command, status.configIndex));
    }
    const kind = command.type === "add-learner" ? "add-learner" : command.type === "promote" ? "promote-learner" : "remove-node";
    const proposed = raft.proposeConfigChange({ kind, nodeId: command.nodeId });
    if (!proposed.ok) return proposed;
    this.host.proposed?.();
    if (waiter !== null) this.host.awaitApply(waiter, proposed.value.index, proposed.value.term, op);
    return ok(undefined);
  }

  /** Null: propose the change. A result: the cluster already is as asked. An error: refused. */
  private check(status: RaftStatus, command: MembershipCommand & { type: ConfigChangeCommandType }): Result<MembershipChangeResult | null> {
    const config = status.config;
    const id = command.nodeId;
    const unchanged = (): Result<MembershipChangeResult> =>
      ok({ type: command.type, nodeId: id, changed: false, config, index: status.lastIndex, term: status.term, configIndex: status.configIndex });
    switch (command.type) {
      case "add-learner":
        return isMember(config, id) ? unchanged() : ok(null);
      case "promote": {
        if (isVoter(config, id)) return unchanged();
        if (!config.learners.includes(id)) return err(unknownNode(this.host.nodeId, id, "promote it", "add it as a learner first (add-learner)"));
        const progress = status.progress?.[id];
        const behind = progress === undefined ? status.lastIndex : status.lastIndex - progress.match;
        if (progress === undefined || progress.state !== "replicate" || behind > promoteCatchUpEntriesMax) {
          return err(notCaughtUp(this.host.nodeId, id, behind, progress?.state ?? "unknown"));
        }
        return ok(null);
      }
      case "remove":
        if (!isMember(config, id)) return unchanged();
        if (isVoter(config, id) && config.voters.length === 1) {
          return err(
            blixardError("last-voter", `node ${this.host.nodeId} refuses to remove ${id}: it is the only voter, and a cluster without voters can never commit again`, {
              nodeId: this.host.nodeId,
              hint: "add and promote another node first",
            }),
          );
        }
        return ok(null);
    }
  }

  private startTransfer(raft: Raft, target: NodeId, waiter: Waiter | null): Result<void> {
    const status = raft.status();
    if (target === this.host.nodeId) {
      if (waiter !== null) this.host.reply(waiter.replyTo, waiter.requestId, ok(transferDone(target, status.term)));
      return ok(undefined);
    }
    if (!isVoter(status.config, target)) {
      if (!isMember(status.config, target)) return err(unknownNode(this.host.nodeId, target, "hand it leadership", "transfer to a voter"));
      return err(
        blixardError("not-a-voter", `node ${this.host.nodeId} cannot hand leadership to ${target}: it is a learner`, {
          nodeId: this.host.nodeId,
          hint: `promote ${target} first`,
        }),
      );
    }
    if (waiter !== null && this.transfers.length >= transferWaitsMax) {
      return err(blixardError("unavailable", `node ${this.host.nodeId} already waits on ${this.transfers.length} leadership transfers (transferWaitsMax)`, { nodeId: this.host.nodeId, hint: "retry later" }));
    }
    const started = raft.transferLeadership(target);
    if (!started.ok) return started;
    if (waiter !== null) this.transfers.push({ ...waiter, target });
    return ok(undefined);
  }

  /** The node's role or leader changed: settle transfers whose outcome is now known. */
  roleChanged(role: string, term: number, leaderId: NodeId | null): void {
    if (this.transfers.length === 0 || role === "leader" || leaderId === null) return;
    const settled = this.transfers;
    this.transfers = [];
    for (const wait of settled) {
      if (leaderId === wait.target) this.host.reply(wait.replyTo, wait.requestId, ok(transferDone(wait.target, term)));
      else this.host.reply(wait.replyTo, wait.requestId, err(transferFailed(this.host.nodeId, wait.target, `${leaderId} leads term ${term} instead`)));
    }
  }

  /** Per tick: expire transfers past their deadline or abandoned by raft (it gives up after an election timeout). */
  tick(): void {
    if (this.transfers.length === 0) return;
    const raft = this.host.raft();
    const now = this.host.nowMs();
    const leading = raft !== null && raft.role === "leader";
    const transferee = leading ? raft.status().leadTransferee : null;
    const keep: TransferWait[] = [];
    for (const wait of this.transfers) {
      if (wait.deadlineMs <= now) this.host.reply(wait.replyTo, wait.requestId, err(requestTimeout(this.host.nodeId, wait.requestId)));
      else if (leading && transferee !== wait.target) this.host.reply(wait.replyTo, wait.requestId, err(transferFailed(this.host.nodeId, wait.target, "the target did not take over within an election timeout")));
      else keep.push(wait);
    }
    this.transfers = keep;
  }

  get waitingTransfers(): number {
    return this.transfers.length;
  }
}

function showConfig(status: RaftStatus): ConfigView {
  return { type: "show-config", config: status.config, configIndex: status.configIndex, leaderId: status.id, term: status.term };
}

function configChanged(self: NodeId, command: { type: string; nodeId: NodeId; ifConfigIndex?: number }, configIndex: number): BlixardError {
  return blixardError(
    "config-changed",
    `node ${self} refuses to ${command.type} ${command.nodeId}: it was asked for the configuration made at index ${command.ifConfigIndex}, and the one in force was made at index ${configIndex}`,
    { nodeId: self, hint: "read the configuration again (membership show-config), and retry if the change is still wanted" },
  );
}

function transferDone(leaderId: NodeId, term: number): TransferResult {
  return { type: "transfer-leadership", nodeId: leaderId, leaderId, term };
}

function unknownNode(self: NodeId, id: NodeId, what: string, hint: string): BlixardError {
  return blixardError("unknown-node", `node ${self} cannot ${what}: ${id} is not a member of the cluster`, { nodeId: self, hint });
}

function notCaughtUp(self: NodeId, id: NodeId, behind: number, state: string): BlixardError {
  return blixardError(
    "learner-not-caught-up",
    `node ${self} refuses to promote ${id}: its log is ${behind} entries behind the leader's (at most ${promoteCatchUpEntriesMax}, promoteCatchUpEntriesMax) and its replication is ${state} (must be replicate)`,
    { nodeId: self, hint: "wait until the learner has caught up, then retry" },
  );
}

function transferFailed(self: NodeId, target: NodeId, why: string): BlixardError {
  return blixardError("leadership-transfer-failed", `node ${self} could not hand leadership to ${target}: ${why}`, {
    nodeId: self,
    hint: "check that the target is up and reachable, then retry",
  });
}
