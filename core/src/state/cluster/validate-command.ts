import { blixardError, err, ok } from "../../errors";
import type { BlixardError, Result } from "../../errors";
import { IssueList, readObject } from "../../vm/field-reader";
import type { ObjectReader } from "../../vm/field-reader";
import { HOST_STATUSES } from "../../vm/host";
import { FEATURE_NAME_LENGTH_MAX, VM_NAME_LENGTH_MAX } from "../../vm/limits";
import { validateVmSpec } from "../../vm/validate-spec";
import type { Resources, VmSpec } from "../../vm/spec";
import { PEER_ADDRESS_LENGTH_MAX, peerAddressProblem } from "./peer-address";
import * as T from "./types";
import type { ClusterCommand } from "./types";

/** Host ids, node ids and VM names: DNS labels. */
export const CLUSTER_ID_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ID = CLUSTER_ID_PATTERN;
const FEATURE = /^[a-z0-9][a-z0-9-]*$/;
const GENERATION_MAX = Number.MAX_SAFE_INTEGER;

/** Shape and bounds of an untrusted cluster command; every problem listed with its field. */
export function validateClusterCommand(input: unknown): Result<ClusterCommand> {
  const issues = new IssueList();
  const r = readObject(issues, "command", input);
  if (r === null) return err(commandError(issues));
  const type = r.oneOf("type", COMMAND_TYPES);
  const command = issues.empty ? readCommand(type, r) : null;
  r.rejectUnknown();
  return command !== null && issues.empty ? ok(command) : err(commandError(issues));
}

const COMMAND_TYPES: readonly ClusterCommand["type"][] = [
  "register-host", "host-heartbeat", "set-host-status", "cordon", "uncordon", "drain", "set-peer-address",
  "create-vm", "update-vm", "set-desired", "place-vm", "set-pending-reason", "evict-vm", "unplace-vm", "migrate-vm", "report-vm-status",
];

function commandError(issues: IssueList): BlixardError {
  return blixardError("invalid-cluster-command", `cluster command rejected: ${issues.issues.map((i) => i.message).join("; ")}`, {
    hint: "fix the listed fields; see core/src/state/cluster/types.ts for the command shapes",
  });
}

function readCommand(type: ClusterCommand["type"], r: ObjectReader): ClusterCommand | null {
  switch (type) {
    case "register-host":
      return {
        type,
        hostId: id(r, "hostId"),
        address: r.string("address", T.HOST_ADDRESS_LENGTH_MAX),
        capacity: readCapacity(r),
        features: readHostFeatures(r),
      };
    case "host-heartbeat":
      return { type, hostId: id(r, "hostId"), atMs: r.integer("atMs", 0, Number.MAX_SAFE_INTEGER) };
    case "set-host-status":
      return { type, hostId: id(r, "hostId"), status: r.oneOf("status", HOST_STATUSES) };
    case "cordon":
    case "uncordon":
    case "drain":
      return { type, hostId: id(r, "hostId") };
    case "set-peer-address":
      return { type, nodeId: id(r, "nodeId"), address: peerAddress(r, "address") };
    case "create-vm":
      return readCreateVm(r);
    case "update-vm": {
      const spec = readSpec(r);
      return spec === null ? null : { type, spec };
    }
    case "set-desired":
      return { type, vmName: id(r, "vmName"), desired: r.oneOf("desired", ["running", "stopped", "deleted"] as const) };
    case "place-vm":
      return { type, vmName: id(r, "vmName"), hostId: id(r, "hostId"), expectedGeneration: r.integer("expectedGeneration", 0, GENERATION_MAX) };
    case "set-pending-reason":
      return { type, vmName: id(r, "vmName"), generation: r.integer("generation", 0, GENERATION_MAX), reason: r.string("reason", T.REASON_LENGTH_MAX) };
    case "evict-vm":
      return { type, vmName: id(r, "vmName"), reason: r.string("reason", T.REASON_LENGTH_MAX) };
    case "unplace-vm": {
      const base = {
        type,
        vmName: id(r, "vmName"),
        hostId: id(r, "hostId"),
        generation: r.integer("generation", 1, GENERATION_MAX),
        reason: r.string("reason", T.REASON_LENGTH_MAX),
      } as const;
      return r.raw("heartbeatIndex") === undefined ? base : { ...base, heartbeatIndex: r.integer("heartbeatIndex", 0, Number.MAX_SAFE_INTEGER) };
    }
    case "migrate-vm":
      return { type, vmName: id(r, "vmName"), targetHostId: id(r, "targetHostId") };
    case "report-vm-status":
      return readReport(r);
  }
}

/** Host ids and VM names: DNS labels, so they are safe in paths, logs and tap names. */
function id(r: ObjectReader, key: string): string {
  const value = r.string(key, VM_NAME_LENGTH_MAX);
  if (value !== "" && !ID.test(value)) r.issues.bad(r.at(key), "must be a DNS label (lower-case letters, digits, inner '-')", value);
  return value;
}

function peerAddress(r: ObjectReader, key: string): string {
  const value = r.string(key, PEER_ADDRESS_LENGTH_MAX);
  const problem = value === "" ? null : peerAddressProblem(value);
  if (problem !== null) r.issues.bad(r.at(key), problem, value);
  return value;
}

function readCapacity(root: ObjectReader): Resources {
  const r = readObject(root.issues, root.at("capacity"), root.raw("capacity"));
  if (r === null) return { vcpus: 0, memoryMib: 0, diskGib: 0 };
  const capacity = {
    vcpus: r.integer("vcpus", 1, T.HOST_VCPUS_MAX),
    memoryMib: r.integer("memoryMib", 1, T.HOST_MEMORY_MIB_MAX),
    diskGib: r.integer("diskGib", 0, T.HOST_DISK_GIB_MAX),
  };
  r.rejectUnknown();
  return capacity;
}

function readHostFeatures(r: ObjectReader): string[] {
  const seen = new Set<string>();
  const features = r.list("features", T.HOST_FEATURES_MAX, (v, p) => {
    if (typeof v !== "string" || v.length > FEATURE_NAME_LENGTH_MAX || !FEATURE.test(v) || seen.has(v)) {
      r.issues.bad(p, `must be a unique feature name ([a-z0-9-], at most ${FEATURE_NAME_LENGTH_MAX} characters)`, v);
      return null;
    }
    seen.add(v);
    return v;
  });
  return features.sort();
}

function readCreateVm(r: ObjectReader): ClusterCommand | null {
  const desired = r.oneOf("desired", ["running", "stopped"] as const, "running");
  const spec = readSpec(r);
  return spec === null ? null : { type: "create-vm", spec, desired };
}

/** The command's `spec`, validated whole; its problems are listed under `spec.`. */
function readSpec(r: ObjectReader): VmSpec | null {
  const spec = validateVmSpec(r.raw("spec"));
  if (spec.ok) return spec.value;
  for (const issue of spec.error.issues) {
    const path = issue.path === "" ? "spec" : `spec.${issue.path}`;
    r.issues.issues.push({ path, message: issue.path === "" ? issue.message : `spec.${issue.message}` });
  }
  return null;
}

function readReport(r: ObjectReader): ClusterCommand {
  const detail = r.raw("detail");
  if (detail !== undefined && detail !== null && (typeof detail !== "string" || detail.length > T.STATUS_DETAIL_LENGTH_MAX)) {
    r.issues.bad(r.at("detail"), `must be null or a string of at most ${T.STATUS_DETAIL_LENGTH_MAX} characters`, detail);
  }
  const exitCode = r.raw("exitCode");
  if (exitCode !== undefined && exitCode !== null && (typeof exitCode !== "number" || !Number.isInteger(exitCode) || exitCode < -255 || exitCode > 255)) {
    r.issues.bad(r.at("exitCode"), "must be null or an integer between -255 and 255", exitCode);
  }
  return {
    type: "report-vm-status",
    hostId: id(r, "hostId"),
    vmName: id(r, "vmName"),
    generation: r.integer("generation", 1, GENERATION_MAX),
    observed: r.oneOf("observed", T.OBSERVED_STATUSES),
    detail: typeof detail === "string" ? detail : null,
    exitCode: typeof exitCode === "number" ? exitCode : null,
    basedOnIndex: r.raw("basedOnIndex") === undefined ? 0 : r.integer("basedOnIndex", 0, Number.MAX_SAFE_INTEGER),
  };
}
