import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*/test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Tests start the built CLI (cli/dist) for real processes: it is rebuilt once here when stale.
    globalSetup: ["./cli/build/vitest-global-setup.mjs"],
    // The JSON report lets .ci/run print one plain "N passed, N failed" closing line.
    reporters: ["default", "json"],
    outputFile: { json: "node_modules/.cache/vitest-report.json" },
  },
});
