import type { HostRecord, Resources, VmRecord } from "@blixard/core";
import { renderTable, type OutputMode } from "./output";

/** `vm list`: one row per VM. */
export function vmTable(vms: readonly VmRecord[], mode: OutputMode): string[] {
  const rows = vms.map((vm) => [
    vm.spec.name,
    vm.desired,
    vm.status,
    vm.placement?.hostId ?? "-",
    String(vm.generation),
    String(vm.spec.vcpus),
    `${vm.spec.memoryMib} MiB`,
  ]);
  return renderTable(["name", "desired", "status", "host", "generation", "vcpus", "memory"], rows, mode);
}

/** `vm status`: the record, the move under way, why it waits, and its transition history. */
export function vmStatusLines(vm: VmRecord, mode: OutputMode): string[] {
  const s = vm.spec;
  const lines = [
    `name:        ${s.name}`,
    `desired:     ${vm.desired}`,
    `status:      ${vm.status}`,
    `host:        ${vm.placement === null ? "-" : `${vm.placement.hostId} (generation ${vm.placement.generation})`}`,
    `resources:   ${s.vcpus} vcpus, ${s.memoryMib} MiB memory, ${s.diskGib} GiB disk`,
    `hypervisor:  ${s.hypervisor}; priority ${s.priority}; restart ${restartText(vm)}`,
  ];
  if (s.requiredFeatures.length > 0) lines.push(`features:    ${s.requiredFeatures.join(", ")}`);
  if (s.antiAffinityGroup !== null) lines.push(`anti-affinity group: ${s.antiAffinityGroup}`);
  if (vm.pendingReason !== null) lines.push(`pending:     ${vm.pendingReason}`);
  if (vm.move !== null) lines.push(`move:        ${vm.move.kind === "migrate" ? `migrating to ${vm.move.targetHostId}` : `evicting: ${vm.move.reason}`}`);
  if (vm.exitCode !== null) lines.push(`exit code:   ${vm.exitCode}`);
  if (vm.detail !== null) lines.push(`detail:      ${vm.detail.split("\n").slice(-3).join(" | ")}`);
  lines.push("history:");
  const rows = vm.history.map((t) => [String(t.index), formatWallMs(t.atMs), `${t.from} -> ${t.to}`, t.reason]);
  lines.push(...renderTable(["index", "at", "transition", "reason"], rows, mode).map((line) => `  ${line}`));
  return lines;
}

/** `cluster hosts`: capacity against what is allocated, and scheduling flags. */
export function hostTable(hosts: readonly HostRecord[], allocated: ReadonlyMap<string, Resources>, mode: OutputMode): string[] {
  const rows = hosts.map((h) => {
    const used = allocated.get(h.id) ?? { vcpus: 0, memoryMib: 0, diskGib: 0 };
    const flags = [h.cordoned ? "cordoned" : "", h.draining ? "draining" : ""].filter((f) => f !== "").join(",") || "-";
    return [
      h.id,
      h.status,
      flags,
      `${used.vcpus}/${h.capacity.vcpus}`,
      `${used.memoryMib}/${h.capacity.memoryMib}`,
      `${used.diskGib}/${h.capacity.diskGib}`,
      h.features.join(",") || "-",
      h.address,
    ];
  });
  return renderTable(["host", "status", "flags", "vcpus", "memory-mib", "disk-gib", "features", "address"], rows, mode);
}

function restartText(vm: VmRecord): string {
  const p = vm.spec.restartPolicy;
  return p.kind === "on-failure" ? `on-failure (${p.maxRetries} retries)` : p.kind;
}

function formatWallMs(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : "-";
}
