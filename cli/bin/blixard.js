#!/usr/bin/env node
// The installed `blixard` command: runs the bundled CLI in cli/dist (`pnpm build`).
// In a source checkout it first compares the sources with what the bundle was
// built from, and rebuilds when they differ, so an edit is never silently
// ignored. A copy without sources runs its bundle as it is.
import { ensureFreshBuild } from "../build/fresh.mjs";

try {
  const rebuilt = await ensureFreshBuild();
  if (rebuilt !== null) process.stderr.write(`blixard: ${rebuilt.why}; rebuilt cli/dist (pnpm build) in ${rebuilt.elapsedMs} ms\n`);
} catch (error) {
  process.stderr.write(`blixard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
await import("../dist/blixard.js");
