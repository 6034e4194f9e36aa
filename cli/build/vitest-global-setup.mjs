// Before any test file runs: make cli/dist current once, so tests that start the
// built CLI (real nodes, CLI commands) neither run stale code nor rebuild it in parallel.
import { ensureFreshBuild } from "./fresh.mjs";

export default async function setup() {
  const rebuilt = await ensureFreshBuild();
  if (rebuilt !== null) process.stderr.write(`test set-up: ${rebuilt.why}; rebuilt cli/dist in ${rebuilt.elapsedMs} ms\n`);
}
