import { blixardError, type ConfigChangeCommandType, type ConfigView, err, type MembershipChangeResult, type Result, type TransferResult } from "@blixard/core";
import type { BlixardClient, OpFailure } from "./blixard-client";

/** Between two promotion attempts while a new learner catches up. */
export const PROMOTE_RETRY_INTERVAL_MS = 250;
/** Fresh reads of the configuration after config-changed answers, at most, before giving up. */
export const CONFIG_CHANGED_RETRIES_MAX = 3;

export function showConfig(client: BlixardClient): Promise<Result<ConfigView, OpFailure>> {
  return client.run({ module: "membership", command: { type: "show-config" } }) as Promise<Result<ConfigView, OpFailure>>;
}

/**
 * A configuration change that names the configuration it was decided on
 * (ifConfigIndex): a copy of it delayed in the network, or a retry of an
 * attempt that did apply, can then never change a later configuration.
 * Reads the configuration again when another change got in between.
 */
export async function membershipOp(client: BlixardClient, type: ConfigChangeCommandType, nodeId: string): Promise<Result<MembershipChangeResult, OpFailure>> {
  for (let retries = 0; ; retries++) {
    const shown = await showConfig(client);
    if (!shown.ok) return shown;
    const command = { type, nodeId, ifConfigIndex: shown.value.configIndex };
    const changed = (await client.run({ module: "membership", command })) as Result<MembershipChangeResult, OpFailure>;
    if (changed.ok || changed.error.code !== "config-changed" || retries >= CONFIG_CHANGED_RETRIES_MAX) return changed;
  }
}

export function transferLeadership(client: BlixardClient, nodeId: string): Promise<Result<TransferResult, OpFailure>> {
  return client.run({ module: "membership", command: { type: "transfer-leadership", nodeId } }) as Promise<Result<TransferResult, OpFailure>>;
}

/**
 * Promote a learner, retrying while the leader says it has not caught up yet
 * (and while another change is still committing), until `timeoutMs` passes.
 * Bounded in time and in attempts.
 */
export async function promoteWhenCaughtUp(client: BlixardClient, nodeId: string, timeoutMs: number): Promise<Result<MembershipChangeResult, OpFailure>> {
  const deadlineMs = performance.now() + timeoutMs;
  const attemptsMax = Math.ceil(timeoutMs / PROMOTE_RETRY_INTERVAL_MS) + 1;
  let last: OpFailure | null = null;
  for (let attempt = 0; attempt < attemptsMax && performance.now() < deadlineMs; attempt++) {
    const promoted = await membershipOp(client, "promote", nodeId);
    if (promoted.ok) return promoted;
    if (promoted.error.code !== "learner-not-caught-up" && promoted.error.code !== "config-change-pending") return promoted;
    last = promoted.error;
    await new Promise((resolve) => setTimeout(resolve, PROMOTE_RETRY_INTERVAL_MS));
  }
  const why = last === null ? "no attempt finished" : `last answer ${last.code}: ${last.message}`;
  return err({
    ...blixardError("promote-timeout", `learner ${nodeId} was not promoted within ${timeoutMs} ms (${why})`, {
      hint: `it stays a learner; check that it runs and is reachable, then run: blixard cluster add-node ${nodeId} again (it resumes at promotion)`,
    }),
    definite: true,
  });
}

/** One line describing a configuration for humans. */
export function describeConfig(result: MembershipChangeResult): string {
  const learners = result.config.learners.length === 0 ? "" : `; learners: ${result.config.learners.join(", ")}`;
  return `voters: ${result.config.voters.join(", ")}${learners}`;
}
