#!/usr/bin/env node
// The installed `blixard` command: runs the bundled CLI in cli/dist (`pnpm build`).
// In a source checkout it first compares the sources with what the bundle was
// built from, and rebuilds when they differ, so an edit is never silently
// ignored. A copy without sources runs its bundle as it is.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFingerprint } from "../build/fingerprint.mjs";

const cliDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(cliDir, "..");

function builtFingerprint() {
  try {
    return JSON.parse(readFileSync(join(cliDir, "dist", "build-stamp.json"), "utf8")).fingerprint ?? null;
  } catch {
    return undefined; // never built
  }
}

const built = builtFingerprint();
const current = sourceFingerprint(repoRoot);
if (built === undefined || (current !== null && current !== built)) {
  const why = built === undefined ? "cli/dist is missing" : "the sources changed since the last build";
  try {
    const { buildCli } = await import("../build/build.mjs");
    const { elapsedMs } = await buildCli();
    process.stderr.write(`blixard: ${why}; rebuilt cli/dist (pnpm build) in ${elapsedMs} ms\n`);
  } catch (error) {
    if (built === undefined) {
      process.stderr.write(`blixard: ${why}, and building failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
    process.stderr.write(`blixard: warning: ${why}, and rebuilding failed (${error instanceof Error ? error.message : String(error)}); running the previous build\n`);
  }
}
await import("../dist/blixard.js");
