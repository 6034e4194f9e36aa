import { Chalk } from "chalk";
import { FAULT_CLASSES, formatFaultClasses, formatTraceEvent, formatUs, type RunReport } from "@blixard/runtime-sim";

/** Human-readable report of one run; the last line is exactly `trace: <hex>`. */
export function formatReport(report: RunReport, colors: boolean, seedNote: string): string[] {
  const c = new Chalk({ level: colors ? 1 : 0 });
  const o = report.options;
  const lines: string[] = [];
  lines.push(c.bold(`blixard sim  workload=${o.workload} nodes=${o.nodes} duration=${o.durationSeconds}s faults=${formatFaultClasses(o.faults)} intensity=${o.intensity}`));
  lines.push(`seed: ${o.seed}${seedNote}`);
  lines.push(`virtual time: ${formatUs(report.virtualUs)}  wall: ${(report.wallMs / 1000).toFixed(2)}s  events: ${report.eventsProcessed} (${report.eventsPerWallSecond} events/wall-s)`);
  lines.push(`faults injected: ${FAULT_CLASSES.map((k) => `${k}=${report.faults[k]}`).join(" ")}`);
  lines.push(c.dim(`swarm: ${fields(report.swarm)}`));
  lines.push(`summary: ${fields(report.summary)}`);
  const failure = report.failure;
  if (failure === null) {
    lines.push(`outcome: ${c.green("ok")}`);
  } else {
    const label = { safety: "SAFETY VIOLATION", liveness: "LIVENESS FAILURE", exception: "UNCAUGHT EXCEPTION", budget: "BUDGET EXCEEDED" }[failure.kind];
    lines.push(`outcome: ${c.red.bold(label)}: ${failure.name}`);
    lines.push(`  what: ${failure.description}`);
    lines.push(`  when: ${formatUs(failure.atUs)} virtual (${failure.atUs}us) on ${failure.node}`);
    if (failure.stack !== undefined) lines.push(c.dim(`  stack: ${failure.stack.split("\n").slice(0, 6).join("\n    ")}`));
    lines.push(`  trace tail (last ${failure.traceTail.length} records):`);
    for (const event of failure.traceTail) lines.push(c.dim(`    ${formatTraceEvent(event)}`));
    lines.push(`  replay: ${c.bold(report.replayCommand)}`);
  }
  lines.push(`trace: ${report.traceHash}`);
  return lines;
}

/** The JSON summary for --json (one object). */
export function reportJson(report: RunReport): Record<string, unknown> {
  return {
    seed: report.options.seed,
    options: { ...report.options, faults: formatFaultClasses(report.options.faults) },
    outcome: report.outcome,
    failure: report.failure,
    trace: report.traceHash,
    traceRecords: report.traceRecords,
    events: report.eventsProcessed,
    virtualUs: report.virtualUs,
    wallMs: Math.round(report.wallMs),
    eventsPerWallSecond: report.eventsPerWallSecond,
    faults: report.faults,
    swarm: report.swarm,
    summary: report.summary,
    replay: report.replayCommand,
  };
}

function fields(record: Readonly<Record<string, string | number>>): string {
  return Object.entries(record).map(([k, v]) => `${k}=${v}`).join(" ");
}
