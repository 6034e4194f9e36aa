import { readFileSync, statSync } from "node:fs";
import { blixardError, err, ok, validateVmSpec, type BlixardError, type Result, type VmSpec, type VmSpecError } from "@blixard/core";

/** `vm create` flags that shape the spec (everything optional but name, vcpus and memory). */
export interface VmSpecFlags {
  readonly name?: string;
  readonly vcpus?: number;
  readonly memoryMib?: number;
  readonly diskGib?: number;
  readonly hypervisor?: string;
  readonly feature?: readonly string[];
  readonly antiAffinity?: string;
  readonly priority?: number;
  readonly restart?: string;
  readonly flake?: string;
  readonly kernel?: string;
  readonly initrd?: string;
  readonly kernelParam?: readonly string[];
  /** Per-VM placement: a strategy, or a host to pin to (manual). */
  readonly strategy?: string;
  readonly host?: string;
}

/** A spec file bigger than this is not a VM spec. */
export const SPEC_FILE_BYTES_MAX = 1024 * 1024;

/** Turn flags into the raw spec object validateVmSpec reads (it reports missing and bad fields itself). */
export function specFromFlags(flags: VmSpecFlags): Result<Record<string, unknown>> {
  const restart = flags.restart === undefined ? ok(undefined) : parseRestart(flags.restart);
  if (!restart.ok) return restart;
  const spec: Record<string, unknown> = { name: flags.name, vcpus: flags.vcpus, memoryMib: flags.memoryMib };
  if (flags.diskGib !== undefined) spec["diskGib"] = flags.diskGib;
  if (flags.hypervisor !== undefined) spec["hypervisor"] = flags.hypervisor;
  if (flags.feature !== undefined && flags.feature.length > 0) spec["requiredFeatures"] = [...flags.feature];
  if (flags.antiAffinity !== undefined) spec["antiAffinityGroup"] = flags.antiAffinity;
  if (flags.priority !== undefined) spec["priority"] = flags.priority;
  if (restart.value !== undefined) spec["restartPolicy"] = restart.value;
  if (flags.host !== undefined) spec["placement"] = { strategy: "manual", hostId: flags.host };
  else if (flags.strategy !== undefined) spec["placement"] = { strategy: flags.strategy };
  if (flags.flake !== undefined) spec["nixos"] = { flake: flakeRef(flags.flake) };
  if (flags.kernel !== undefined || flags.initrd !== undefined || (flags.kernelParam?.length ?? 0) > 0) {
    spec["kernel"] = { kernelPath: flags.kernel ?? null, initrdPath: flags.initrd ?? null, kernelParams: [...(flags.kernelParam ?? [])] };
  }
  return ok(spec);
}

/** `always`, `never`, `on-failure` or `on-failure:N` (N retries). */
export function parseRestart(text: string): Result<Record<string, unknown>> {
  if (text === "always" || text === "never" || text === "on-failure") return ok({ kind: text });
  const match = /^on-failure:(\d{1,6})$/.exec(text);
  if (match !== null) return ok({ kind: "on-failure", maxRetries: Number(match[1]) });
  return err(blixardError("usage", `--restart must be always, never, on-failure or on-failure:N (N retries), got ${JSON.stringify(text.slice(0, 60))}`, { hint: "e.g. --restart on-failure:3" }));
}

/** `path#name` is short for `path#nixosConfigurations.name`, the form the spec requires. */
export function flakeRef(text: string): string {
  const hash = text.indexOf("#");
  if (hash < 0 || text.slice(hash + 1).startsWith("nixosConfigurations.")) return text;
  return `${text.slice(0, hash)}#nixosConfigurations.${text.slice(hash + 1)}`;
}

/** Read a JSON spec file, bounded in size; `name` (when given) overrides the file's name. */
export function readSpecFile(path: string, name: string | undefined): Result<Record<string, unknown>> {
  let text: string;
  try {
    const bytes = statSync(path).size;
    if (bytes > SPEC_FILE_BYTES_MAX) return err(specFileError(path, `is ${bytes} bytes; a spec file may hold at most ${SPEC_FILE_BYTES_MAX}`));
    text = readFileSync(path, "utf8");
  } catch (error) {
    return err(specFileError(path, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(specFileError(path, `is not valid JSON: ${(error as Error).message}`));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return err(specFileError(path, "must hold one JSON object (the VM spec)"));
  const spec = value as Record<string, unknown>;
  return ok(name === undefined ? spec : { ...spec, name });
}

/** validateVmSpec, client-side, so an operator sees every problem before anything is sent. */
export function checkSpec(raw: unknown): Result<VmSpec, VmSpecError> {
  return validateVmSpec(raw);
}

function specFileError(path: string, why: string): BlixardError {
  return blixardError("usage", `spec file ${path} ${why}`, { hint: "pass --spec a JSON file holding one VM spec object" });
}
