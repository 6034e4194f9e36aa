import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/**
 * What a microvm.nix runner (lib/runner.nix, declaredRunner) ships, read from
 * its directory: bin/microvm-run always; bin/microvm-shutdown where the
 * hypervisor can shut down cleanly; bin/tap-up and bin/tap-down when it has
 * tap interfaces (nixos-modules/microvm/interfaces.nix); bin/virtiofsd-run
 * when it has virtiofs shares (nixos-modules/microvm/virtiofsd); and under
 * share/microvm the taps it expects and each virtiofs share's socket.
 */
export interface RunnerLayout {
  readonly dir: string;
  readonly run: string;
  readonly shutdown: string | null;
  readonly tapUp: string | null;
  readonly tapDown: string | null;
  readonly virtiofsdRun: string | null;
  /** share/microvm/tap-interfaces, one tap name per line. */
  readonly tapInterfaces: readonly string[];
  /** share/microvm/virtiofs/<tag>/socket: the socket paths virtiofsd creates, relative to the VM's state directory unless absolute. */
  readonly virtiofsSockets: readonly string[];
}

/** Read the runner at `dir` (a path or a link to one); an error names what is missing. */
export function readRunnerLayout(dir: string): { ok: true; layout: RunnerLayout } | { ok: false; error: string } {
  const run = executable(join(dir, "bin", "microvm-run"));
  if (run === null) return { ok: false, error: `${dir} is not a microvm.nix runner: bin/microvm-run is missing or not executable` };
  return {
    ok: true,
    layout: {
      dir,
      run,
      shutdown: executable(join(dir, "bin", "microvm-shutdown")),
      tapUp: executable(join(dir, "bin", "tap-up")),
      tapDown: executable(join(dir, "bin", "tap-down")),
      virtiofsdRun: executable(join(dir, "bin", "virtiofsd-run")),
      tapInterfaces: lines(join(dir, "share", "microvm", "tap-interfaces")),
      virtiofsSockets: virtiofsSockets(join(dir, "share", "microvm", "virtiofs")),
    },
  };
}

/** A socket path from the runner, as a path on the host: relative ones live in the VM's state directory. */
export function socketPath(stateDir: string, socket: string): string {
  return isAbsolute(socket) ? socket : join(stateDir, socket);
}

function executable(path: string): string | null {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

function lines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").map((line) => line.trim()).filter((line) => line !== "");
  } catch {
    return [];
  }
}

function virtiofsSockets(dir: string): string[] {
  let tags: string[];
  try {
    tags = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return tags.flatMap((tag) => lines(join(dir, tag, "socket")).slice(0, 1));
}
