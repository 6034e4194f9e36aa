import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
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
  /** NixOS module files (microvm-nix): their text goes into the spec, so any host can build the guest. */
  readonly nixosModule?: readonly string[];
  /** A built microvm.declaredRunner to run as it is (microvm-nix). */
  readonly runner?: string;
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
  const nixos: Record<string, unknown> = {};
  if (flags.flake !== undefined) nixos["flake"] = flakeRef(flags.flake);
  if (flags.runner !== undefined) nixos["runner"] = resolve(flags.runner);
  if (flags.nixosModule !== undefined && flags.nixosModule.length > 0) {
    const modules = readModuleFiles(flags.nixosModule);
    if (!modules.ok) return modules;
    nixos["modules"] = modules.value;
  }
  // Several sources at once are left for validateVmSpec to name ("exactly one of modules, flake or runner").
  if (Object.keys(nixos).length > 0) spec["nixos"] = nixos;
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

/**
 * `path#name` is short for `path#nixosConfigurations.name`, the form the spec
 * requires; a relative path (`./vms#web`) becomes absolute (`path:/…/vms`),
 * since the host that builds it has no idea of this shell's directory.
 */
export function flakeRef(text: string, cwd: string = process.cwd()): string {
  const hash = text.indexOf("#");
  const ref = hash < 0 ? text : text.slice(0, hash);
  const fragment = hash < 0 ? "" : text.slice(hash + 1);
  const relative = /^(path:)?(\.{1,2})(\/|$)/.exec(ref);
  const absoluteRef = relative === null ? ref : `path:${resolve(cwd, ref.replace(/^path:/, ""))}`;
  if (hash < 0) return absoluteRef;
  return `${absoluteRef}#${fragment.startsWith("nixosConfigurations.") ? fragment : `nixosConfigurations.${fragment}`}`;
}

/** Each module file's text, bounded like a spec file. */
function readModuleFiles(paths: readonly string[]): Result<string[]> {
  const texts: string[] = [];
  for (const path of paths) {
    try {
      const bytes = statSync(path).size;
      if (bytes > SPEC_FILE_BYTES_MAX) return err(blixardError("usage", `--nixos-module ${path} is ${bytes} bytes; at most ${SPEC_FILE_BYTES_MAX}`, { hint: "keep large configurations in a flake (--flake)" }));
      texts.push(readFileSync(path, "utf8"));
    } catch (error) {
      return err(blixardError("usage", `--nixos-module ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { hint: "pass a NixOS module file, e.g. --nixos-module ./web.nix" }));
    }
  }
  return ok(texts);
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
