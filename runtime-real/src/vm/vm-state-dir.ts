import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * One VM's directory on its host, laid out as microvm.nix's host tooling
 * lays out /var/lib/microvms/<name> (nixos-modules/host, pkgs/microvm-command):
 *
 *   current        → the runner (a microvm.declaredRunner store path, or a prebuilt one)
 *   booted         → the runner the VM was started from, while it runs
 *   flake          the flake reference its runner is built from (`microvm -u` reads it)
 *   flake-src/     Blixard's generated flake (flake.nix, blixard.nix, modules/)
 *   console.log    the VM's console (microvm-run's stdout and stderr), console.log.1 before it
 *   build.log      the last runner build's log
 *   *.sock         the runner's control and virtiofs sockets (they are relative to this directory)
 *   *.img          volumes with relative image paths, created by microvm-run
 *
 * The runner runs with this directory as its working directory, as the
 * microvm@ systemd unit runs it.
 */
export class VmStateDir {
  constructor(readonly root: string) {}

  /** `<vmsRoot>/<name>`: `name` is a validated VM name (a DNS label), never a path. */
  static of(vmsRoot: string, name: string): VmStateDir {
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw new RangeError(`not a VM name: ${JSON.stringify(name)}`);
    return new VmStateDir(join(vmsRoot, name));
  }

  get current(): string {
    return join(this.root, "current");
  }
  get booted(): string {
    return join(this.root, "booted");
  }
  get flakeRefFile(): string {
    return join(this.root, "flake");
  }
  get flakeDir(): string {
    return join(this.root, "flake-src");
  }
  get consoleLog(): string {
    return join(this.root, "console.log");
  }
  get buildLog(): string {
    return join(this.root, "build.log");
  }

  ensure(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o750 });
  }

  /** Point `link` (current, booted) at `target`, atomically: a reader sees the old or the new runner, never none. */
  link(link: "current" | "booted", target: string): void {
    const path = join(this.root, link);
    const next = `${path}.next`;
    rmSync(next, { force: true });
    symlinkSync(target, next);
    renameSync(next, path);
  }

  /** Where a link points, or null if it is absent. */
  target(link: "current" | "booted"): string | null {
    try {
      return readlinkSync(join(this.root, link));
    } catch {
      return null;
    }
  }

  unlink(link: "current" | "booted"): void {
    rmSync(join(this.root, link), { force: true });
  }

  /** Everything, volumes included: the VM was deleted or now lives on another host. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
