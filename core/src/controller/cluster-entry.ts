import type { Entry } from "../raft/log-types";
import { decodeCommandEnvelope } from "../state/envelope";
import type { ClusterCommand } from "../state/cluster/types";
import { clusterModuleName } from "../state/cluster/types";
import type { ApplyOutcome } from "../state/state-machine";

/** The cluster command an applied entry carried, if it was one and took effect (not refused, not ignored as stale). */
export function effectiveClusterCommand(outcome: ApplyOutcome, entry: Entry): ClusterCommand | null {
  const command = appliedClusterCommand(outcome, entry);
  if (command === null || !outcome.result?.ok) return null;
  return (outcome.result.value as { effect?: unknown } | null)?.effect === "ignored" ? null : command;
}

/** The cluster command an applied entry carried, if it was one and applied without error. */
export function appliedClusterCommand(outcome: ApplyOutcome, entry: Entry): ClusterCommand | null {
  if (outcome.module !== clusterModuleName || outcome.result === null || !outcome.result.ok) return null;
  const envelope = decodeCommandEnvelope(entry.data);
  if (!envelope.ok) return null;
  return envelope.value.command as ClusterCommand;
}
