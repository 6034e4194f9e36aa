import type { LinearizabilityCheckResult, LinearizabilityViolation } from "./check";
import type { Operation, RegisterValue } from "./types";

/** Bound on prefix lines printed; the tail of the prefix is what leads into the anomaly. */
const PREFIX_LINES_MAX = 20;

export function describeOperation(operation: Operation): string {
  const completion = operation.completeTimeNs === null ? "never completed (indeterminate)" : `${operation.status} at ${operation.completeTimeNs}ns`;
  return `op#${operation.id} process ${operation.process} ${operationText(operation)}, invoked at ${operation.invokeTimeNs}ns, ${completion}`;
}

/** A human-readable account of one key's anomaly. */
export function describeViolation(violation: LinearizabilityViolation): string {
  const lines = [`key ${JSON.stringify(violation.key)} is not linearizable.`];
  const prefix = violation.longestPrefix;
  lines.push(`Longest linearizable prefix: ${prefix.length} operation(s)${prefix.length > PREFIX_LINES_MAX ? `, last ${PREFIX_LINES_MAX} shown` : ""}:`);
  for (const step of prefix.slice(-PREFIX_LINES_MAX)) {
    lines.push(`  ${describeOperation(step.operation)} → register ${registerText(step.stateAfter)}`);
  }
  lines.push(`With the register ${registerText(violation.stateAtDeadEnd)}, this operation completed but cannot be linearized:`);
  lines.push(`  ${describeOperation(violation.blocked)}`);
  if (violation.pending.length > 0) {
    lines.push("and none of the operations still pending at that point can take effect first to make it possible:");
    for (const operation of violation.pending) lines.push(`  ${describeOperation(operation)}`);
  }
  return lines.join("\n");
}

/** One line per key, plus each violation's account. */
export function describeCheckResult(result: LinearizabilityCheckResult): string {
  const lines = [`verdict: ${result.verdict} (${result.keys.length} key(s), ${result.searchSteps} search steps)`];
  for (const key of result.keys) {
    lines.push(`  key ${JSON.stringify(key.key)}: ${key.verdict}, ${key.operationCount} operation(s), ${key.searchSteps} steps`);
  }
  for (const key of result.keys) if (key.violation !== undefined) lines.push(describeViolation(key.violation));
  return lines.join("\n");
}

function operationText(operation: Operation): string {
  switch (operation.f) {
    case "read":
      return operation.status === "ok" ? `read → ${registerText(operation.output)}` : "read";
    case "write":
      return `write ${registerText(operation.value)}`;
    case "cas":
      return `cas ${registerText(operation.expected)} → ${registerText(operation.next)}`;
  }
}

function registerText(value: RegisterValue): string {
  return value === null ? "absent" : JSON.stringify(value);
}
