// Is cli/dist what the sources beside it build to? If not, rebuild it. Shared
// by the launcher (cli/bin/blixard.js) and the test suite's global set-up.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFingerprint } from "./fingerprint.mjs";

const cliDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(cliDir, "..");

/** The fingerprint the last build recorded; undefined when there is no build. */
function builtFingerprint() {
  try {
    return JSON.parse(readFileSync(join(cliDir, "dist", "build-stamp.json"), "utf8")).fingerprint ?? null;
  } catch {
    return undefined;
  }
}

/**
 * Rebuild cli/dist when it is missing or older than the sources. Returns why
 * it rebuilt and how long that took, or null when the build was fresh. Throws
 * only when there is no build at all and none can be made; a stale build that
 * cannot be rebuilt (no esbuild in an installed copy) is reported, not fatal.
 */
export async function ensureFreshBuild(warn = (line) => process.stderr.write(`${line}\n`)) {
  const built = builtFingerprint();
  const current = sourceFingerprint(repoRoot);
  if (built !== undefined && (current === null || current === built)) return null;
  const why = built === undefined ? "cli/dist is missing" : "the sources changed since the last build";
  try {
    const { buildCli } = await import("./build.mjs");
    const { elapsedMs } = await buildCli();
    return { why, elapsedMs };
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    if (built === undefined) throw new Error(`${why}, and building failed: ${cause} (run: bash scripts/setup.sh, or pnpm install && pnpm build)`);
    warn(`blixard: warning: ${why}, and rebuilding failed (${cause}); running the previous build`);
    return null;
  }
}
