/**
 * Reads `nix build --log-format internal-json` (one `@nix {json}` per stderr
 * line) into what an operator wants in a VM's status while its runner
 * builds: how many derivations are built and paths fetched of how many, what
 * is building now, and the error messages if the build fails.
 *
 * Activity and result type numbers are Nix's (libutil/logging.hh):
 * actCopyPaths 103 and actBuilds 104 carry the totals through resProgress 105;
 * actBuild 105 names the derivation being built.
 */
const ACT_COPY_PATHS = 103;
const ACT_BUILDS = 104;
const ACT_BUILD = 105;
const RES_PROGRESS = 105;
/** Nix's verbosity levels: 0 error, 1 warn. */
const LEVEL_WARN = 1;
const ERRORS_KEPT = 8;
const MESSAGE_CHARS_MAX = 2_000;

interface Progress {
  done: number;
  expected: number;
}

export class NixBuildLog {
  private readonly builds: Progress = { done: 0, expected: 0 };
  private readonly fetches: Progress = { done: 0, expected: 0 };
  private readonly activityTypes = new Map<number, number>();
  private readonly building = new Map<number, string>();
  private readonly errors: string[] = [];
  /** Lines that were not internal-json (a Nix too old for the flag, a wrapper's own output). */
  private readonly plain: string[] = [];

  /** Feed one stderr/stdout line of the build. Returns true if the summary may have changed. */
  push(line: string): boolean {
    if (!line.startsWith("@nix ")) {
      if (line.trim() !== "") keepLast(this.plain, line.slice(0, MESSAGE_CHARS_MAX), ERRORS_KEPT);
      return false;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(line.slice(5));
    } catch {
      return false;
    }
    if (typeof entry !== "object" || entry === null) return false;
    return this.apply(entry as Record<string, unknown>);
  }

  /** One line for the VM's status: "building runner: 3/17 derivations, 12/40 paths fetched; now: linux-6.6". */
  summary(): string {
    const parts: string[] = [];
    if (this.builds.expected > 0) parts.push(`${this.builds.done}/${this.builds.expected} derivations built`);
    if (this.fetches.expected > 0) parts.push(`${this.fetches.done}/${this.fetches.expected} paths fetched`);
    const now = [...this.building.values()].slice(0, 2);
    const counts = parts.length === 0 ? "evaluating" : parts.join(", ");
    return `building runner: ${counts}${now.length > 0 ? `; now: ${now.join(", ")}` : ""}`;
  }

  /** Why the build failed, from Nix's own error messages (else the last plain lines). */
  failure(): string {
    const lines = this.errors.length > 0 ? this.errors : this.plain;
    return lines.join("\n");
  }

  private apply(entry: Record<string, unknown>): boolean {
    const id = typeof entry.id === "number" ? entry.id : -1;
    switch (entry.action) {
      case "start": {
        const type = typeof entry.type === "number" ? entry.type : 0;
        this.activityTypes.set(id, type);
        if (type === ACT_BUILD) this.building.set(id, derivationName(entry.fields, entry.text));
        return type === ACT_BUILD;
      }
      case "stop":
        this.activityTypes.delete(id);
        return this.building.delete(id);
      case "result":
        return this.result(id, entry);
      case "msg": {
        const level = typeof entry.level === "number" ? entry.level : LEVEL_WARN + 1;
        if (level <= LEVEL_WARN && typeof entry.msg === "string") keepLast(this.errors, stripAnsi(entry.msg).slice(0, MESSAGE_CHARS_MAX), ERRORS_KEPT);
        return false;
      }
      default:
        return false;
    }
  }

  private result(id: number, entry: Record<string, unknown>): boolean {
    if (entry.type !== RES_PROGRESS || !Array.isArray(entry.fields)) return false;
    const [done, expected] = entry.fields;
    if (typeof done !== "number" || typeof expected !== "number") return false;
    const activity = this.activityTypes.get(id);
    const target = activity === ACT_BUILDS ? this.builds : activity === ACT_COPY_PATHS ? this.fetches : null;
    if (target === null) return false;
    target.done = done;
    target.expected = expected;
    return true;
  }
}

/** `/nix/store/<hash>-linux-6.6.drv` → `linux-6.6`. */
function derivationName(fields: unknown, text: unknown): string {
  const drv = Array.isArray(fields) && typeof fields[0] === "string" ? fields[0] : typeof text === "string" ? text : "";
  const base = drv.slice(drv.lastIndexOf("/") + 1).replace(/^[0-9a-z]{32}-/, "").replace(/\.drv'?$/, "");
  return base.slice(0, 80);
}

function keepLast(list: string[], item: string, max: number): void {
  list.push(item);
  if (list.length > max) list.shift();
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
