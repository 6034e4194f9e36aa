import type { ApplyContext } from "../module";
import { VM_STATUS_HISTORY_MAX } from "./types";
import type { VmRecord, VmStatus } from "./types";

/** The record with a new status; the transition is kept in a bounded history, oldest dropped first. */
export function withStatus(vm: VmRecord, to: VmStatus, reason: string, ctx: ApplyContext): VmRecord {
  if (vm.status === to) return vm;
  const entry = { index: ctx.index, atMs: ctx.proposedAtMs, from: vm.status, to, reason };
  const history = [...vm.history, entry];
  if (history.length > VM_STATUS_HISTORY_MAX) history.splice(0, history.length - VM_STATUS_HISTORY_MAX);
  return { ...vm, status: to, history };
}
