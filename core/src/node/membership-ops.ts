import { blixardError, err, ok, type BlixardError, type Result } from "../errors";
import type { ClientOp, ClientOpHandler } from "../protocol/client-ops";
import { invalidRequest, requestTimeout, type ClientError } from "../protocol/client-errors";
import { checkOnlyFields, readId, readObject, readString } from "../protocol/fields";
import { decodeConfigEntry, isMember, isVoter } from "../raft/cluster-config";
import type { ClusterConfig, Entry, NodeId } from "../raft/log-types";
import { maxNodeIdBytes } from "../raft/messages";
import type { Raft } from "../raft/raft";

/**
 * Cluster membership as client operations:
 * `{ module: "membership", command: { type: "add-learner" | "promote" | "remove" | "transfer-leadership", nodeId } }`.
 * They are writes (a follower forwards them to the leader), but not state
 * machine commands: the leader turns them into Raft config changes (or a
 * leadership transfer), so the client session table never sees them.
 *
 * They are declarative and therefore idempotent: adding a node that is
 * already a member, promoting a voter or removing a non-member answers
 * `changed: false` at once. A client retrying after a lost answer gets
 * success, not a misleading error, and every error below is a definite
 * "nothing happened":
 * - config-change-pending (from raft): one change at a time, retry later;
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

export const membershipCommandTypes = ["add-learner", "promote", "remove", "transfer-leadership"] as const;
export type MembershipCommandType = (typeof membershipCommandTypes)[number];

export interface MembershipCommand {
  readonly type: MembershipCommandType;
  readonly nodeId: NodeId;
}

/** A learner may be promoted once its log is within this many entries of the leader's last index. */
export const promoteCatchUpEntriesMax = 100;
/** Leadership transfers waiting for their outcome on one node, at most. */
export const transferWaitsMax = 16;

/** What a config change answers. */
export interface MembershipChangeResult {
  readonly type: MembershipCommandType;
  readonly nodeId: NodeId;
  /** False when the cluster already was as asked (nothing was proposed). */
  readonly changed: boolean;
  /** The configuration after the change (the current one when unchanged). */
  readonly config: ClusterConfig;
  /** Log index of the config entry; the leader's last index when unchanged. */
  readonly index: number;
  /** Term of the config entry; the leader's current term when unchanged (an upper bound on when it happened). */
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

function validateMembershipCommand(command: unknown, field: string): Result<MembershipCommand, ClientError> {
  const obj = readObject(command, field);
  if (!obj.ok) return obj;
  const only = checkOnlyFields(obj.value, ["type", "nodeId"], field);
  if (!only.ok) return only;
  const type = readString(obj.value, "type", field);
  if (!type.ok) return type;
  if (!(membershipCommandTypes as readonly string[]).includes(type.value)) {
    return err(invalidRequest(`${field}.type`, `${field}.type "${type.value.slice(0, 64)}" is not one of: ${membershipCommandTypes.join(", ")}`));
  }
  const nodeId = readId(obj.value, "nodeId", field, maxNodeIdBytes);
  if (!nodeId.ok) return nodeId;
  return ok({ type: type.value as MembershipCommandType, nodeId: nodeId.value });
}

export const membershipClientOps: ClientOpHandler = {
  module: membershipOpsModuleName,
  validate: (command, field) => validateMembershipCommand(command, field),
  isReadOnly: () => false,
  sessionless: true,
};

/** The answer for a membership op whose config entry just applied. */
export function configChangeApplied(command: MembershipCommand, entry: Entry): Result<MembershipChangeResult> {
  const decoded = decodeConfigEntry(entry.data);
  if (!decoded.ok) return decoded;
  return ok({ type: command.type, nodeId: command.nodeId, changed: true, config: decoded.value.config, index: entry.index, term: entry.term });
}

/** How the membership driver reaches its node. */
export interface MembershipHost {
  readonly nodeId: NodeId;
  raft(): Raft | null;
  nowMs(): number;
  /** Wait for the config entry at (index, term) to apply; the node answers with configChangeApplied. */
  awaitApply(waiter: Waiter, index: number, term: number, op: ClientOp): void;
  reply(to: string, requestId: string, result: Result<unknown, BlixardError>): void;
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
    if (command.type === "transfer-leadership") return this.startTransfer(raft, command, waiter);
    const checked = this.check(raft, command);
    if (!checked.ok) return checked;
    if (checked.value !== null) {
      if (waiter !== null) this.host.reply(waiter.replyTo, waiter.requestId, ok(checked.value));
      return ok(undefined);
    }
    const kind = command.type === "add-learner" ? "add-learner" : command.type === "promote" ? "promote-learner" : "remove-node";
    const proposed = raft.proposeConfigChange({ kind, nodeId: command.nodeId });
    if (!proposed.ok) return proposed;
    if (waiter !== null) this.host.awaitApply(waiter, proposed.value.index, proposed.value.term, op);
    return ok(undefined);
  }

  /** Null: propose the change. A result: the cluster already is as asked. An error: refused. */
  private check(raft: Raft, command: MembershipCommand): Result<MembershipChangeResult | null> {
    const status = raft.status();
    const config = status.config;
    const id = command.nodeId;
    const unchanged = (): Result<MembershipChangeResult> => ok({ type: command.type, nodeId: id, changed: false, config, index: status.lastIndex, term: status.term });
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
      case "transfer-leadership":
        return ok(null);
    }
  }

  private startTransfer(raft: Raft, command: MembershipCommand, waiter: Waiter | null): Result<void> {
    const status = raft.status();
    const target = command.nodeId;
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
