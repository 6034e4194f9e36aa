import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// core/ must reach the world only through its Runtime ports: this scan keeps it honest.
const coreSrc = join(import.meta.dirname, "..", "src");

const forbidden: Array<[RegExp, string]> = [
  [/from\s+["']node:/, "node:* import"],
  [/from\s+["'](fs|path|os|child_process|net|http|https|crypto|ws|better-sqlite3|dgram|worker_threads|timers)["']/, "platform package import"],
  [/\brequire\s*\(/, "require()"],
  [/\bimport\s*\(/, "dynamic import"],
  [/Date\.now\s*\(/, "Date.now"],
  [/new\s+Date\s*\(/, "new Date()"],
  [/Math\.random\s*\(/, "Math.random"],
  [/\bsetTimeout\s*\(/, "setTimeout"],
  [/\bsetInterval\s*\(/, "setInterval"],
  [/\bsetImmediate\s*\(/, "setImmediate"],
  [/\bperformance\b/, "performance"],
  [/\bprocess\s*\./, "process"],
  [/\bqueueMicrotask\s*\(/, "queueMicrotask"],
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

describe("core purity", () => {
  const files = tsFiles(coreSrc);

  it("finds core sources to scan", () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it("no core source reaches past the Runtime ports", () => {
    const hits: string[] = [];
    for (const file of files) {
      const lines = stripComments(readFileSync(file, "utf8")).split("\n");
      lines.forEach((line, i) => {
        for (const [pattern, what] of forbidden) {
          if (pattern.test(line)) hits.push(`${relative(coreSrc, file)}:${i + 1}: ${what}: ${line.trim()}`);
        }
      });
    }
    expect(hits).toEqual([]);
  });

  it("the scanner itself catches a forbidden call", () => {
    const sample = "const t = Date.now();";
    expect(forbidden.some(([p]) => p.test(sample))).toBe(true);
  });
});
