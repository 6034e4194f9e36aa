import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { performance } from "node:perf_hooks";

/**
 * A VM's fence kept outside the node process. Each child runs under a small
 * POSIX sh watchdog (the leader of the child's process group) that polls a
 * fence file every FENCE_POLL_S and kills the whole group once the host's
 * boot clock (/proc/uptime) passes the fence written there. The node renews
 * the fence by rewriting the file; if the node process stalls or dies, the
 * watchdog still ends the VM at its lease end.
 *
 * The wrapper is transparent otherwise: output passes through, it forwards
 * TERM and INT to the child, and it ends the way the child ended (the same
 * exit code, or killed by the same signal). It removes its fence file when it
 * ends by itself or by the fence, so a node that died leaves none behind; the
 * node removes it after a kill of its own.
 */
export const FENCE_POLL_S = 0.2;

const NO_FENCE = "none";

/** $1: fence file (centiseconds of /proc/uptime, or "none"); the rest: the command. */
export const WATCHDOG_SCRIPT = [
  'f=$1; shift',
  '"$@" &',
  'c=$!',
  "trap 'kill -TERM $c 2>/dev/null' TERM",
  "trap 'kill -INT $c 2>/dev/null' INT",
  'while kill -0 $c 2>/dev/null; do',
  '  read -r up _ < /proc/uptime',
  '  d=; read -r d < "$f" 2>/dev/null',
  '  now=${up%.*}${up#*.}',
  '  case $d in ""|*[!0-9]*) ;; *) if [ "$now" -ge "$d" ]; then rm -f "$f"; kill -KILL 0; fi ;; esac',
  `  sleep ${FENCE_POLL_S}`,
  'done',
  'wait $c; s=$?',
  'rm -f "$f"',
  'if [ $s -gt 128 ]; then trap - TERM INT; kill -$((s - 128)) $$; fi',
  'exit $s',
].join("\n");

/** Maps the node's monotonic clock (performance.now) onto /proc/uptime, which the watchdog reads. */
export class FenceClock {
  private constructor(private readonly uptimeMinusPerfMs: number) {}

  /** Null where there is no /proc/uptime (not Linux): fences then live in the node process only. */
  static probe(): FenceClock | null {
    try {
      const perfMs = performance.now();
      const uptimeS = Number.parseFloat(readFileSync("/proc/uptime", "utf8").split(" ")[0] ?? "");
      if (!Number.isFinite(uptimeS)) return null;
      return new FenceClock(uptimeS * 1000 - perfMs);
    } catch {
      return null;
    }
  }

  /** The fence in the watchdog's unit, rounded down: it may fire up to 10 ms early, never late. */
  centisecondsAt(monotonicMs: number): number {
    return Math.max(0, Math.floor((monotonicMs + this.uptimeMinusPerfMs) / 10));
  }
}

/** The file one child's watchdog reads; written whole and renamed, so a read never sees half a number. */
export class FenceFile {
  constructor(readonly path: string) {
    this.write(NO_FENCE);
  }

  static create(tag: string): FenceFile {
    return new FenceFile(join(tmpdir(), `blixard-fence-${process.pid}-${tag}`));
  }

  setCentiseconds(value: number): void {
    this.write(String(value));
  }

  remove(): void {
    rmSync(this.path, { force: true });
    rmSync(`${this.path}.next`, { force: true });
  }

  private write(text: string): void {
    writeFileSync(`${this.path}.next`, `${text}\n`);
    renameSync(`${this.path}.next`, this.path);
  }
}

/** Whether `command` names an executable (a path, or a name on PATH): the watchdog's sh would start even if it does not. */
export function executableExists(command: string, path = process.env.PATH ?? ""): boolean {
  const candidates = command.includes("/") ? [command] : path.split(delimiter).filter((dir) => dir.length > 0).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
