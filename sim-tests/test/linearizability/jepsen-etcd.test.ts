import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkRegisterHistory, describeViolation, parseJepsenRegisterLog, type LinearizabilityCheckResult } from "../../../runtime-sim/src/linearizability/index";
import { describe, expect, it } from "vitest";

// Imported by path until runtime-sim/src/index.ts re-exports the checker.
// Histories recorded from real etcd by Jepsen, with verdicts we did not choose: see fixtures/jepsen-etcd/README.md.
const fixtures = join(import.meta.dirname, "..", "..", "fixtures", "jepsen-etcd");
const perHistoryMsMax = 3_000;

const logFiles = readdirSync(fixtures).filter((name) => name.endsWith(".log")).sort();
const labels = new Map<string, boolean>(
  readFileSync(join(fixtures, "labels.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [file = "", verdict = ""] = line.split("\t");
      expect(["true", "false"]).toContain(verdict.trim());
      return [file.trim(), verdict.trim() === "true"] as const;
    }),
);

function checkFile(file: string): { result: LinearizabilityCheckResult; elapsedMs: number } {
  const startedMs = performance.now();
  const events = parseJepsenRegisterLog(readFileSync(join(fixtures, file), "utf8"));
  if (!events.ok) throw new Error(`${file}: ${events.error.message}`);
  const result = checkRegisterHistory(events.value);
  if (!result.ok) throw new Error(`${file}: ${result.error.message}`);
  return { result: result.value, elapsedMs: performance.now() - startedMs };
}

describe("Jepsen etcd histories", () => {
  it("has the full reference set: 103 histories, 102 of them labelled", () => {
    expect(logFiles).toHaveLength(103);
    expect(labels.size).toBe(102);
    for (const file of labels.keys()) expect(logFiles).toContain(file);
    // Both verdicts are represented, so agreeing with every label is not a trivial constant answer.
    expect([...labels.values()].filter(Boolean).length).toBeGreaterThan(10);
    expect([...labels.values()].filter((linearizable) => !linearizable).length).toBeGreaterThan(10);
  });

  it("agrees with every label, each history within the time bound", () => {
    const timings: Array<{ file: string; elapsedMs: number; steps: number }> = [];
    const mismatches: string[] = [];
    for (const [file, linearizable] of labels) {
      const { result, elapsedMs } = checkFile(file);
      timings.push({ file, elapsedMs, steps: result.searchSteps });
      const expected = linearizable ? "linearizable" : "not-linearizable";
      if (result.verdict !== expected) mismatches.push(`${file}: expected ${expected}, got ${result.verdict}`);
      if (result.verdict === "not-linearizable") {
        const violation = result.keys[0]?.violation;
        expect(violation, `${file} explains its violation`).toBeDefined();
        expect(describeViolation(violation!)).toContain("cannot be linearized");
      }
    }
    timings.sort((a, b) => b.elapsedMs - a.elapsedMs);
    const slowest = timings.slice(0, 3).map((t) => `${t.file} ${t.elapsedMs.toFixed(1)}ms (${t.steps} steps)`);
    const totalMs = timings.reduce((sum, t) => sum + t.elapsedMs, 0);
    console.log(`jepsen-etcd: ${timings.length} labelled histories in ${totalMs.toFixed(0)}ms; slowest: ${slowest.join(", ")}`);
    expect(mismatches).toEqual([]);
    expect(timings[0]!.elapsedMs).toBeLessThan(perHistoryMsMax);
  });

  it("checks the unlabelled histories to a verdict without running out of budget", () => {
    const unlabelled = logFiles.filter((file) => !labels.has(file));
    expect(unlabelled).toEqual(["etcd_095.log"]);
    for (const file of unlabelled) {
      const { result, elapsedMs } = checkFile(file);
      console.log(`jepsen-etcd: unlabelled ${file}: ${result.verdict} in ${elapsedMs.toFixed(1)}ms`);
      expect(result.verdict).not.toBe("unknown");
      // The one unlabelled file is empty: no operations, so trivially linearizable.
      expect(result.keys).toEqual([]);
      expect(result.verdict).toBe("linearizable");
      expect(elapsedMs).toBeLessThan(perHistoryMsMax);
    }
  });

  it("every history parses into well-formed operations on one register", () => {
    // etcd_095.log is empty in the reference set (and unlabelled): nothing to parse.
    for (const file of logFiles.filter((name) => name !== "etcd_095.log")) {
      const events = parseJepsenRegisterLog(readFileSync(join(fixtures, file), "utf8"));
      expect(events.ok, file).toBe(true);
      if (!events.ok) continue;
      expect([...new Set(events.value.map((event) => event.key))]).toEqual(["register"]);
      expect(events.value.filter((event) => event.type === "invoke").length).toBeGreaterThan(10);
    }
  });
});
