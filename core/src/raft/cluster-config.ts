import { blixardError, err, ok, type Result } from "../errors";
import type { ClusterConfig, NodeId } from "./log-types";
import { maxClusterMembers, maxNodeIdBytes } from "./messages";

export type ConfigChangeKind = "add-voter" | "add-learner" | "promote-learner" | "remove-node";
export type ConfigChange = { kind: ConfigChangeKind; nodeId: NodeId };

export const configChangeKinds: readonly ConfigChangeKind[] = ["add-voter", "add-learner", "promote-learner", "remove-node"];

/** What a config entry's `data` holds: the change and the whole resulting configuration. */
export interface ConfigEntryPayload {
  readonly change: ConfigChange;
  readonly config: ClusterConfig;
}

export const EMPTY_CLUSTER_CONFIG: ClusterConfig = { voters: [], learners: [], votersOutgoing: [] };

const sorted = (ids: readonly NodeId[]): NodeId[] => [...ids].sort();

export function normalizeConfig(config: ClusterConfig): ClusterConfig {
  return { voters: sorted(config.voters), learners: sorted(config.learners), votersOutgoing: sorted(config.votersOutgoing) };
}

export function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.learners.includes(id) || config.votersOutgoing.includes(id);
}

export function isVoter(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.votersOutgoing.includes(id);
}

/** Every member, sorted, each once. */
export function allMembers(config: ClusterConfig): NodeId[] {
  return [...new Set([...config.voters, ...config.learners, ...config.votersOutgoing])].sort();
}

export function configsEqual(a: ClusterConfig, b: ClusterConfig): boolean {
  const same = (x: readonly NodeId[], y: readonly NodeId[]) => x.length === y.length && sorted(x).every((v, i) => v === sorted(y)[i]);
  return same(a.voters, b.voters) && same(a.learners, b.learners) && same(a.votersOutgoing, b.votersOutgoing);
}

/** Checks a single-server change against `config` and returns the configuration it leads to. */
export function applyConfigChange(config: ClusterConfig, change: ConfigChange, nodeId: NodeId): Result<ClusterConfig> {
  const bad = (reason: string) =>
    err(blixardError("invalid-config-change", `config change ${change.kind} ${change.nodeId} rejected: ${reason}`, { nodeId }));
  if (config.votersOutgoing.length > 0) return bad("a joint configuration is in place");
  const id = change.nodeId;
  if (id.length === 0 || id.length > maxNodeIdBytes) return bad(`node id must be 1..${maxNodeIdBytes} characters`);
  const voters = config.voters.filter((v) => v !== id);
  const learners = config.learners.filter((l) => l !== id);
  switch (change.kind) {
    case "add-voter":
      if (isMember(config, id)) return bad("node is already a member (use promote-learner for a learner)");
      if (voters.length + learners.length + 1 > maxClusterMembers) return bad(`cluster is limited to ${maxClusterMembers} members`);
      return ok(normalizeConfig({ voters: [...voters, id], learners, votersOutgoing: [] }));
    case "add-learner":
      if (isMember(config, id)) return bad("node is already a member");
      if (voters.length + learners.length + 1 > maxClusterMembers) return bad(`cluster is limited to ${maxClusterMembers} members`);
      return ok(normalizeConfig({ voters, learners: [...learners, id], votersOutgoing: [] }));
    case "promote-learner":
      if (!config.learners.includes(id)) return bad("node is not a learner");
      return ok(normalizeConfig({ voters: [...voters, id], learners, votersOutgoing: [] }));
    case "remove-node":
      if (!isMember(config, id)) return bad("node is not a member");
      if (voters.length === 0) return bad("it would leave the cluster without voters");
      return ok(normalizeConfig({ voters, learners, votersOutgoing: [] }));
  }
}

export function encodeConfigEntry(payload: ConfigEntryPayload): string {
  const c = normalizeConfig(payload.config);
  return JSON.stringify({
    change: { kind: payload.change.kind, nodeId: payload.change.nodeId },
    config: { voters: c.voters, learners: c.learners, votersOutgoing: c.votersOutgoing },
  });
}

function parseIdList(value: unknown, field: string): Result<NodeId[]> {
  if (!Array.isArray(value) || value.length > maxClusterMembers) {
    return err(blixardError("invalid-config-entry", `config field '${field}' must be an array of at most ${maxClusterMembers} node ids`));
  }
  for (const [i, v] of value.entries()) {
    if (typeof v !== "string" || v.length === 0 || v.length > maxNodeIdBytes) {
      return err(blixardError("invalid-config-entry", `config field '${field}[${i}]' must be a node id of 1..${maxNodeIdBytes} characters`));
    }
  }
  if (new Set(value).size !== value.length) return err(blixardError("invalid-config-entry", `config field '${field}' has duplicates`));
  return ok(value as NodeId[]);
}

/** Validates an untrusted cluster configuration object. */
export function parseClusterConfig(value: unknown, field = "config"): Result<ClusterConfig> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return err(blixardError("invalid-config-entry", `'${field}' must be an object with voters, learners and votersOutgoing`));
  }
  const o = value as Record<string, unknown>;
  const voters = parseIdList(o.voters, `${field}.voters`);
  if (!voters.ok) return voters;
  const learners = parseIdList(o.learners, `${field}.learners`);
  if (!learners.ok) return learners;
  const outgoing = parseIdList(o.votersOutgoing, `${field}.votersOutgoing`);
  if (!outgoing.ok) return outgoing;
  const overlap = learners.value.find((l) => voters.value.includes(l) || outgoing.value.includes(l));
  if (overlap !== undefined) return err(blixardError("invalid-config-entry", `'${field}': ${overlap} is both a voter and a learner`));
  return ok({ voters: voters.value, learners: learners.value, votersOutgoing: outgoing.value });
}

/** Decodes a config entry's data (as written by encodeConfigEntry). */
export function decodeConfigEntry(data: string): Result<ConfigEntryPayload> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return err(blixardError("invalid-config-entry", "config entry data is not valid JSON"));
  }
  if (typeof value !== "object" || value === null) return err(blixardError("invalid-config-entry", "config entry must be an object"));
  const o = value as Record<string, unknown>;
  const change = o.change as Record<string, unknown> | null | undefined;
  if (typeof change !== "object" || change === null || !configChangeKinds.includes(change.kind as ConfigChangeKind) || typeof change.nodeId !== "string") {
    return err(blixardError("invalid-config-entry", "config entry 'change' must be {kind, nodeId} with a known kind"));
  }
  const config = parseClusterConfig(o.config);
  if (!config.ok) return config;
  return ok({ change: { kind: change.kind as ConfigChangeKind, nodeId: change.nodeId }, config: config.value });
}
