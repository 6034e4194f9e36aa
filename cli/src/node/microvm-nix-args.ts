import { blixardError, DEFAULT_MICROVM_NIX_OPTIONS, err, ok, type MicrovmNixOptions, type Result } from "@blixard/core";

/** `blixard node` flags for the microvm-nix backend, as yargs hands them over. */
export interface RawMicrovmNixArgs {
  readonly backend?: unknown;
  readonly nixpkgsFlake?: unknown;
  readonly microvmFlake?: unknown;
  readonly nixCommand?: unknown;
  readonly nixBuildTimeoutS?: unknown;
}

const FLAKE_REF_CHARS_MAX = 1024;
/** A build that takes a day is stuck. */
const BUILD_TIMEOUT_S_MAX = 86_400;

export const MICROVM_NIX_FLAGS = ["nixpkgs-flake", "microvm-flake", "nix-command", "nix-build-timeout-s"] as const;

/**
 * The microvm-nix build settings: flake references guests are built against
 * (pin revisions so every host builds the same guest), the Nix CLI, the build
 * timeout, and the host's Nix system. Null when another backend is chosen;
 * the flags are then refused, so a typo in --backend is not silently ignored.
 */
export function parseMicrovmNixArgs(raw: RawMicrovmNixArgs, arch: string = process.arch): Result<MicrovmNixOptions | null> {
  const given = [raw.nixpkgsFlake, raw.microvmFlake, raw.nixCommand, raw.nixBuildTimeoutS].some((value) => value !== undefined);
  if (raw.backend !== "microvm-nix") {
    return given ? bad(`--${MICROVM_NIX_FLAGS.join(", --")} only apply to --backend microvm-nix, not ${String(raw.backend ?? "process")}`) : ok(null);
  }
  const system = nixSystemFor(arch);
  if (system === null) return bad(`--backend microvm-nix runs on x86_64 and aarch64 Linux hosts; this one is ${arch}`);
  const nixpkgsFlake = flakeRef("--nixpkgs-flake", raw.nixpkgsFlake, DEFAULT_MICROVM_NIX_OPTIONS.nixpkgsFlake);
  if (!nixpkgsFlake.ok) return nixpkgsFlake;
  const microvmFlake = flakeRef("--microvm-flake", raw.microvmFlake, DEFAULT_MICROVM_NIX_OPTIONS.microvmFlake);
  if (!microvmFlake.ok) return microvmFlake;
  const nixCommand = raw.nixCommand ?? DEFAULT_MICROVM_NIX_OPTIONS.nixCommand;
  if (typeof nixCommand !== "string" || nixCommand.trim() === "" || nixCommand.includes("\u0000")) return bad(`--nix-command must name the Nix CLI (a command or a path), got ${show(raw.nixCommand)}`);
  const timeoutS = raw.nixBuildTimeoutS ?? DEFAULT_MICROVM_NIX_OPTIONS.buildTimeoutMs / 1000;
  if (typeof timeoutS !== "number" || !Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > BUILD_TIMEOUT_S_MAX) {
    return bad(`--nix-build-timeout-s must be an integer from 1 to ${BUILD_TIMEOUT_S_MAX}, got ${show(raw.nixBuildTimeoutS)}`);
  }
  return ok({ nixpkgsFlake: nixpkgsFlake.value, microvmFlake: microvmFlake.value, nixCommand, system, buildTimeoutMs: timeoutS * 1000 });
}

/** Node's process.arch as a Nix system double; null where microvm.nix has no runners. */
export function nixSystemFor(arch: string): string | null {
  if (arch === "x64") return "x86_64-linux";
  if (arch === "arm64") return "aarch64-linux";
  return null;
}

function flakeRef(flag: string, value: unknown, fallback: string): Result<string> {
  const ref = value ?? fallback;
  if (typeof ref !== "string" || ref.length === 0 || ref.length > FLAKE_REF_CHARS_MAX || /[\s\u0000-\u001f#]/.test(ref)) {
    return bad(`${flag} must be a flake reference (1-${FLAKE_REF_CHARS_MAX} characters, no whitespace or '#'), e.g. github:NixOS/nixpkgs/<rev>; got ${show(value)}`);
  }
  return ok(ref);
}

function show(value: unknown): string {
  const text = value === undefined ? "nothing" : typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function bad(message: string): Result<never> {
  return err(blixardError("usage", message, { hint: "see blixard node --help" }));
}
