// What the bundled CLI was built from: how many source files and directories
// there are, their total size and the newest modification time among them. An
// edit, a checkout, an added or removed file each change it. The launcher
// compares it with the stamp the build wrote, so `blixard` never runs code
// older than the sources beside it. Plain stats, no hashing: it runs before
// every command.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Directories (relative to the repository root) whose files go into the bundle. */
export const SOURCE_DIRS = ["core/src", "runtime-real/src", "runtime-sim/src", "cli/src", "cli/build"];
/** Single files that change what a build produces (dependency versions). */
export const SOURCE_FILES = ["pnpm-lock.yaml"];

/** The sources' fingerprint, or null when this is not a source checkout (a copy without sources is never stale). */
export function sourceFingerprint(repoRoot) {
  const total = { entries: 0, bytes: 0, newestMs: 0 };
  for (const dir of SOURCE_DIRS) {
    const root = join(repoRoot, dir);
    let entries;
    try {
      entries = readdirSync(root, { recursive: true, withFileTypes: true });
    } catch {
      return null;
    }
    add(total, root);
    for (const entry of entries) add(total, join(entry.parentPath ?? entry.path, entry.name));
  }
  for (const file of SOURCE_FILES) add(total, join(repoRoot, file));
  return `${total.entries}:${total.bytes}:${total.newestMs}`;
}

function add(total, path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return;
  total.entries += 1;
  if (stat.isFile()) total.bytes += stat.size;
  if (stat.mtimeMs > total.newestMs) total.newestMs = stat.mtimeMs;
}
