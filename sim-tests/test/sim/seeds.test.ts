import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSeedFile, runSimulation } from "@blixard/runtime-sim";

const seedsDir = join(import.meta.dirname, "..", "..", "..", "seeds");
const seedFiles = readdirSync(seedsDir).filter((name) => name.endsWith(".json")).sort();

describe("regression seeds", () => {
  it("reads the seeds directory", () => {
    expect(readdirSync(seedsDir)).toContain("README.md");
    expect(Array.isArray(seedFiles)).toBe(true);
  });

  for (const name of seedFiles) {
    it(`replays ${name} without failure`, () => {
      const parsed = parseSeedFile(JSON.parse(readFileSync(join(seedsDir, name), "utf8")), name);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const result = runSimulation(parsed.value);
      if (!result.ok) throw new Error(result.error.message);
      const failure = result.value.failure;
      expect(failure === null ? "ok" : `${failure.kind} ${failure.name}: ${failure.description} (replay: ${result.value.replayCommand})`).toBe("ok");
    });
  }

  it("rejects malformed seed files with a specific error", () => {
    const missingNote = parseSeedFile({ seed: 1 }, "x.json");
    expect(!missingNote.ok && missingNote.error.message).toContain("note");
    const badFaults = parseSeedFile({ seed: 1, faults: "weather", note: "n" }, "y.json");
    expect(!badFaults.ok && badFaults.error.message).toContain("weather");
    const good = parseSeedFile({ seed: 9, faults: "network,crash", intensity: "high", note: "n" }, "z.json");
    expect(good.ok && good.value).toMatchObject({ seed: 9, nodes: 5, faults: ["network", "crash"], intensity: 1 });
  });
});
