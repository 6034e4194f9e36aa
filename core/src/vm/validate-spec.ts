import { blixardError, err, ok } from "../errors";
import type { BlixardError, Result } from "../errors";
import { checkHypervisorSupport } from "./hypervisor-support";
import { IssueList, ObjectReader, describeValue, readObject } from "./field-reader";
import type { SpecIssue } from "./field-reader";
import * as L from "./limits";
import { DEFAULT_PLACEMENT, DEFAULT_RESTART_POLICY, HYPERVISORS, INTERFACE_TYPES, PLACEMENT_STRATEGIES, SHARE_PROTOS } from "./spec";
import type { KernelOverrides, NixosSource, PlacementPreference, RestartPolicy, VmInterface, VmShare, VmSpec, VmVolume } from "./spec";
import { checkUniqueness } from "./spec-uniqueness";

/** A spec rejection carries every problem found, each with its field path. */
export interface VmSpecError extends BlixardError {
  readonly code: "invalid-vm-spec";
  readonly issues: readonly SpecIssue[];
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const INTERFACE_ID = /^[A-Za-z0-9_.-]+$/;
const SHARE_TAG = /^[A-Za-z0-9_.-]+$/;
const FEATURE = /^[a-z0-9][a-z0-9-]*$/;
const FLAKE_REF = /^([^\s#\u0000-\u001f\u007f]+)#nixosConfigurations\.([A-Za-z0-9_-]+)$/;

/**
 * Validate untrusted input into a normalised VmSpec. Returns all problems at
 * once (not just the first), so an operator fixes a spec in one round trip.
 */
export function validateVmSpec(input: unknown): Result<VmSpec, VmSpecError> {
  const issues = new IssueList();
  const root = readObject(issues, "", input);
  if (root === null) return err(specError(issues.issues));
  const spec = readSpec(root);
  root.rejectUnknown();
  if (issues.empty) {
    checkUniqueness(issues, spec);
    checkHypervisorSupport(issues, spec);
    checkPrebuiltRunner(issues, spec);
  }
  return issues.empty ? ok(spec) : err(specError(issues.issues));
}

/** A prebuilt runner was built with its own devices and kernel line: spec fields that would change them cannot apply. */
function checkPrebuiltRunner(issues: IssueList, spec: VmSpec): void {
  if (spec.nixos?.kind !== "runner") return;
  const baked: [string, number][] = [
    ["interfaces", spec.interfaces.length],
    ["volumes", spec.volumes.length],
    ["shares", spec.shares.length],
    ["kernel.kernelParams", spec.kernel.kernelParams.length],
  ];
  for (const [field, count] of baked) {
    if (count > 0) issues.add(field, "cannot be set with nixos.runner: a prebuilt runner carries its own (declare them in its NixOS configuration, or give nixos.modules or nixos.flake)");
  }
}

function specError(issues: readonly SpecIssue[]): VmSpecError {
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const base = blixardError("invalid-vm-spec", `VM spec has ${count}: ${issues.map((i) => i.message).join("; ")}`, {
    hint: "fix the listed fields and submit the spec again",
  });
  return { ...base, code: "invalid-vm-spec", issues };
}

function readSpec(r: ObjectReader): VmSpec {
  const name = r.string("name", L.VM_NAME_LENGTH_MAX);
  if (name !== "" && !DNS_LABEL.test(name)) {
    r.issues.bad("name", "must be a DNS label: lower-case letters, digits and '-', not starting or ending with '-'", name);
  }
  const group = r.raw("antiAffinityGroup");
  if (group !== undefined && group !== null && (typeof group !== "string" || !DNS_LABEL.test(group) || group.length > L.ANTI_AFFINITY_GROUP_LENGTH_MAX)) {
    r.issues.bad("antiAffinityGroup", `must be null or a DNS label of at most ${L.ANTI_AFFINITY_GROUP_LENGTH_MAX} characters`, group);
  }
  return {
    name,
    vcpus: r.integer("vcpus", L.VCPUS_MIN, L.VCPUS_MAX),
    memoryMib: r.integer("memoryMib", L.MEMORY_MIB_MIN, L.MEMORY_MIB_MAX),
    diskGib: r.integer("diskGib", L.DISK_GIB_MIN, L.DISK_GIB_MAX, 0),
    hypervisor: r.oneOf("hypervisor", HYPERVISORS, "qemu"),
    interfaces: r.list("interfaces", L.INTERFACES_MAX, (v, p) => readInterface(r.issues, p, v)),
    volumes: r.list("volumes", L.VOLUMES_MAX, (v, p) => readVolume(r.issues, p, v)),
    shares: r.list("shares", L.SHARES_MAX, (v, p) => readShare(r.issues, p, v)),
    nixos: readNixos(r),
    kernel: readKernel(r),
    requiredFeatures: readFeatures(r),
    antiAffinityGroup: typeof group === "string" ? group : null,
    priority: r.integer("priority", L.PRIORITY_MIN, L.PRIORITY_MAX, L.PRIORITY_DEFAULT),
    restartPolicy: readRestartPolicy(r),
    placement: readPlacement(r),
  };
}

function readPlacement(root: ObjectReader): PlacementPreference {
  const value = root.raw("placement");
  if (value === undefined || value === null) return DEFAULT_PLACEMENT;
  const r = readObject(root.issues, "placement", value);
  if (r === null) return DEFAULT_PLACEMENT;
  const strategyRaw = r.raw("strategy");
  const strategy = strategyRaw === undefined || strategyRaw === null ? null : r.oneOf("strategy", PLACEMENT_STRATEGIES);
  const hostRaw = r.raw("hostId");
  let hostId: string | null = null;
  if (hostRaw !== undefined && hostRaw !== null) {
    hostId = r.string("hostId", L.VM_NAME_LENGTH_MAX);
    if (hostId !== "" && !DNS_LABEL.test(hostId)) root.issues.bad("placement.hostId", "must be a host id (a DNS label)", hostId);
  }
  if (strategy === "manual" && hostId === null) root.issues.add("placement.hostId", "is required when placement.strategy is manual");
  if (strategy !== "manual" && hostId !== null) root.issues.add("placement.hostId", `is only allowed with placement.strategy manual, got strategy ${String(strategy)}`);
  r.rejectUnknown();
  return { strategy, hostId };
}

function readInterface(issues: IssueList, path: string, value: unknown): VmInterface | null {
  const r = readObject(issues, path, value);
  if (r === null) return null;
  const type = r.oneOf("type", INTERFACE_TYPES);
  const id = r.string("id", L.INTERFACE_ID_LENGTH_MAX);
  if (id !== "" && !INTERFACE_ID.test(id)) issues.bad(r.at("id"), "may hold only letters, digits, '_', '.' and '-'", id);
  const macRaw = r.string("mac", 17);
  const mac = macRaw.toLowerCase();
  if (macRaw !== "" && !MAC.test(mac)) {
    issues.bad(r.at("mac"), "must be six hex octets separated by ':' (e.g. 02:00:00:00:00:01)", macRaw);
  } else if (macRaw !== "" && (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    issues.bad(r.at("mac"), "must be a unicast address (lowest bit of the first octet clear)", macRaw);
  }
  r.rejectUnknown();
  return { type, id, mac };
}

function readVolume(issues: IssueList, path: string, value: unknown): VmVolume | null {
  const r = readObject(issues, path, value);
  if (r === null) return null;
  const image = readPath(r, "image", false);
  const mountPoint = readPath(r, "mountPoint", true);
  const sizeMib = r.integer("sizeMib", L.VOLUME_SIZE_MIB_MIN, L.VOLUME_SIZE_MIB_MAX);
  const readOnly = r.boolean("readOnly", false);
  r.rejectUnknown();
  return { image, mountPoint, sizeMib, readOnly };
}

function readShare(issues: IssueList, path: string, value: unknown): VmShare | null {
  const r = readObject(issues, path, value);
  if (r === null) return null;
  const tag = r.string("tag", L.SHARE_TAG_LENGTH_MAX);
  if (tag !== "" && !SHARE_TAG.test(tag)) issues.bad(r.at("tag"), "may hold only letters, digits, '_', '.' and '-'", tag);
  const source = readPath(r, "source", true);
  const mountPoint = readPath(r, "mountPoint", true);
  const proto = r.oneOf("proto", SHARE_PROTOS, "9p");
  r.rejectUnknown();
  return { tag, source, mountPoint, proto };
}

/** A filesystem path: bounded, no NUL; `absolute` ones start with '/' and never climb with '..'. */
function readPath(r: ObjectReader, key: string, absolute: boolean): string {
  const value = r.string(key, L.PATH_LENGTH_MAX);
  if (value === "") return value;
  if (value.includes("\u0000")) r.issues.bad(r.at(key), "must not contain a NUL byte", value);
  else if (absolute && !value.startsWith("/")) r.issues.bad(r.at(key), "must be an absolute path", value);
  else if (absolute && value.split("/").includes("..")) r.issues.bad(r.at(key), "must not contain '..'", value);
  return value;
}

const NIXOS_SOURCES = ["modules", "flake", "runner"] as const;

function readNixos(root: ObjectReader): NixosSource | null {
  const value = root.raw("nixos");
  if (value === undefined || value === null) return null;
  const r = readObject(root.issues, "nixos", value);
  if (r === null) return null;
  const given = NIXOS_SOURCES.filter((key) => r.has(key));
  // `kind` is optional on input (the normalised form carries it) but must agree.
  const kind = r.raw("kind");
  let source: NixosSource | null = null;
  if (given.length !== 1) {
    root.issues.add("nixos", `must set exactly one of modules, flake or runner${given.length > 1 ? `, got ${given.join(" and ")}` : ""}`);
  } else if (kind !== undefined && kind !== given[0]) {
    root.issues.bad("nixos.kind", `must be ${given[0]} to match the field given`, kind);
  } else if (given[0] === "flake") {
    const flake = r.string("flake", L.FLAKE_REF_LENGTH_MAX);
    if (flake !== "" && !FLAKE_REF.test(flake)) {
      root.issues.bad("nixos.flake", "must look like <flake-ref>#nixosConfigurations.<name>", flake);
    }
    source = { kind: "flake", flake };
  } else if (given[0] === "runner") {
    // A built microvm.declaredRunner (it holds bin/microvm-run); run as it is, on whichever host has it.
    source = { kind: "runner", runner: readPath(r, "runner", true) };
  } else {
    source = { kind: "modules", modules: readModules(root, r) };
  }
  r.rejectUnknown();
  return source;
}

/** NixOS modules as Nix source text, bounded one by one and together. */
function readModules(root: ObjectReader, r: ObjectReader): string[] {
  let totalChars = 0;
  const modules = r.list("modules", L.NIXOS_MODULES_MAX, (v, p) => {
    if (typeof v !== "string" || v.trim().length === 0 || v.length > L.NIXOS_MODULE_CHARS_MAX || v.includes("\u0000")) {
      root.issues.bad(p, `must be a NixOS module's Nix source text, non-empty, at most ${L.NIXOS_MODULE_CHARS_MAX} characters, without NUL`, v);
      return null;
    }
    totalChars += v.length;
    return v;
  });
  const raw = r.raw("modules");
  if (Array.isArray(raw) && raw.length === 0) root.issues.add("nixos.modules", "must list at least one module");
  if (totalChars > L.NIXOS_MODULES_CHARS_TOTAL_MAX) {
    root.issues.add("nixos.modules", `hold ${totalChars} characters together; at most ${L.NIXOS_MODULES_CHARS_TOTAL_MAX} (keep large configurations in a flake: nixos.flake)`);
  }
  return modules;
}

function readKernel(root: ObjectReader): KernelOverrides {
  const empty: KernelOverrides = { kernelPath: null, initrdPath: null, kernelParams: [] };
  const value = root.raw("kernel");
  if (value === undefined || value === null) return empty;
  const r = readObject(root.issues, "kernel", value);
  if (r === null) return empty;
  const kernelPath = optionalPath(r, "kernelPath");
  const initrdPath = optionalPath(r, "initrdPath");
  const kernelParams = r.list("kernelParams", L.KERNEL_PARAMS_MAX, (v, p) => {
    if (typeof v !== "string" || v.length === 0 || v.length > L.KERNEL_PARAM_LENGTH_MAX || /[\s\u0000-\u001f\u007f]/.test(v)) {
      root.issues.bad(p, `must be one kernel parameter without whitespace or control characters, at most ${L.KERNEL_PARAM_LENGTH_MAX} characters`, v);
      return null;
    }
    return v;
  });
  if (initrdPath !== null && kernelPath === null) root.issues.add("kernel.initrdPath", "needs kernel.kernelPath to be set too");
  r.rejectUnknown();
  return { kernelPath, initrdPath, kernelParams };
}

function optionalPath(r: ObjectReader, key: string): string | null {
  const value = r.raw(key);
  if (value === undefined || value === null) return null;
  return readPath(r, key, true);
}

function readFeatures(r: ObjectReader): string[] {
  const seen = new Set<string>();
  const features = r.list("requiredFeatures", L.REQUIRED_FEATURES_MAX, (v, p) => {
    if (typeof v !== "string" || v.length > L.FEATURE_NAME_LENGTH_MAX || !FEATURE.test(v)) {
      r.issues.bad(p, `must be a feature name ([a-z0-9-], at most ${L.FEATURE_NAME_LENGTH_MAX} characters)`, v);
      return null;
    }
    if (seen.has(v)) {
      r.issues.bad(p, "repeats a feature already listed", v);
      return null;
    }
    seen.add(v);
    return v;
  });
  return features.sort();
}

function readRestartPolicy(root: ObjectReader): RestartPolicy {
  const value = root.raw("restartPolicy");
  if (value === undefined) return DEFAULT_RESTART_POLICY;
  const r = readObject(root.issues, "restartPolicy", value);
  if (r === null) return DEFAULT_RESTART_POLICY;
  const kind = r.oneOf("kind", ["always", "on-failure", "never"] as const);
  if (kind !== "on-failure") {
    r.rejectUnknown();
    return { kind };
  }
  const maxRetries = r.integer("maxRetries", 0, L.RESTART_RETRIES_MAX, L.RESTART_RETRIES_DEFAULT);
  const backoffMsInitial = r.integer("backoffMsInitial", L.RESTART_BACKOFF_MS_MIN, L.RESTART_BACKOFF_MS_MAX, L.RESTART_BACKOFF_MS_INITIAL_DEFAULT);
  const backoffMsMax = r.integer("backoffMsMax", L.RESTART_BACKOFF_MS_MIN, L.RESTART_BACKOFF_MS_MAX, L.RESTART_BACKOFF_MS_MAX_DEFAULT);
  if (backoffMsMax < backoffMsInitial) {
    root.issues.add("restartPolicy.backoffMsMax", `must be at least backoffMsInitial (${backoffMsInitial}), got ${describeValue(backoffMsMax)}`);
  }
  r.rejectUnknown();
  return { kind, maxRetries, backoffMsInitial, backoffMsMax };
}
