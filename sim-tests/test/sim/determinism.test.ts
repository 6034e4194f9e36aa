import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS, FAULT_CLASSES, runSimulation, type RunOptions } from "@blixard/runtime-sim";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const run = (options: Partial<RunOptions>): { hash: string; outcome: string } => {
  const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 777, durationSeconds: 15, ...options });
  if (!result.ok) throw new Error(result.error.message);
  return { hash: result.value.traceHash, outcome: result.value.outcome };
};

describe("determinism", () => {
  it("the same seed twice in one process gives the same trace hash, under every fault class", () => {
    const options = { seed: 31337, faults: FAULT_CLASSES, intensity: 1 };
    const first = run(options);
    expect(first.outcome).toBe("ok");
    expect(run(options).hash).toBe(first.hash);
  });

  it("different seeds give different traces", () => {
    const hashes = new Set([1, 2, 3].map((seed) => run({ seed }).hash));
    expect(hashes.size).toBe(3);
  });

  it("the same seed in two separate processes (the CLI) gives the same trace hash", async () => {
    const exec = promisify(execFile);
    const cli = (): Promise<{ stdout: string }> =>
      exec(process.execPath, ["--import", "tsx", "cli/src/main.ts", "sim", "--seed", "777", "--duration", "15", "--json"], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: "0" } });
    const [a, b] = await Promise.all([cli(), cli()]);
    const ja = JSON.parse(a.stdout) as { trace: string; outcome: string };
    const jb = JSON.parse(b.stdout) as { trace: string };
    expect(ja.outcome).toBe("ok");
    expect(ja.trace).toMatch(/^[0-9a-f]{16}$/);
    expect(jb.trace).toBe(ja.trace);
    expect(ja.trace).toBe(run({}).hash); // and the CLI matches the in-process runner
  });
});
