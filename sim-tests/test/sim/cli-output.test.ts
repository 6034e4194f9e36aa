import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_OPTIONS, runSimulation, ScenarioRegistry, type Scenario } from "@blixard/runtime-sim";
import { formatReport } from "../../../cli/src/sim/format";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

const breaksAtTwoSeconds: Scenario = {
  name: "breaks",
  description: "fails an invariant at 2 s",
  supportedFaults: ["network"],
  setup({ sim }) {
    let broken = false;
    sim.addNode("n1", (rt) => rt);
    sim.schedule(2_000_000, "break", () => (broken = true));
    sim.addInvariant("stays-whole", () => (broken ? "it broke" : null));
    return { summary: () => ({ ops: 3 }) };
  },
};

describe("sim command output", () => {
  it("a violation prints what, when, the trace tail and the replay command; the last line is the trace hash", () => {
    const result = runSimulation({ ...DEFAULT_RUN_OPTIONS, seed: 8, durationSeconds: 5, faults: ["network"], workload: "breaks" }, { registry: new ScenarioRegistry([breaksAtTwoSeconds]) });
    if (!result.ok) throw new Error(result.error.message);
    const lines = formatReport(result.value, false, "");
    const text = lines.join("\n");
    expect(text).toContain("outcome: SAFETY VIOLATION: stays-whole");
    expect(text).toContain("what: it broke");
    expect(text).toContain("when: 2.000000s virtual (2000000us)");
    expect(text).toContain("2000000 world break");
    expect(text).toContain("replay: SEED=8 pnpm sim --nodes 5 --duration 5 --faults network --intensity 0.5 --workload breaks");
    expect(lines.at(-1)).toMatch(/^trace: [0-9a-f]{16}$/);
  });

  it("the CLI prints a passing run ending in the trace line, and rejects bad flags with exit code 2", async () => {
    const exec = promisify(execFile);
    const cli = (...args: string[]) => exec(process.execPath, ["--import", "tsx", "cli/src/main.ts", "sim", ...args], { cwd: repoRoot, env: { ...process.env, SEED: "4" } });
    const [good, bad] = await Promise.allSettled([cli("--duration", "6", "--faults", "crash,clock"), cli("--faults", "meteor")]);
    expect(good.status).toBe("fulfilled");
    const stdout = good.status === "fulfilled" ? good.value.stdout : "";
    expect(stdout).toContain("seed: 4\n");
    expect(stdout).toContain("outcome: ok");
    expect(stdout.trimEnd().split("\n").at(-1)).toMatch(/^trace: [0-9a-f]{16}$/);
    expect(bad.status).toBe("rejected");
    const error = bad.status === "rejected" ? (bad.reason as { code: number; stderr: string }) : { code: 0, stderr: "" };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('unknown fault class "meteor"');
  });
});
