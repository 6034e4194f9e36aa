// `pnpm build`: bundle the blixard CLI into cli/dist with esbuild, so a command
// starts in plain node without transpiling TypeScript. Third-party JavaScript is
// bundled too (one file to parse instead of hundreds to resolve); only native and
// optional modules stay external.
//
// Three self-contained bundles, no shared chunks: the CLI itself (argument
// parsing and every client command) and, loaded by it on demand, `blixard node`
// (SQLite, metrics) and `blixard sim` (the simulator). A client command never
// parses the other two. (esbuild's code splitting would put all of core in one
// chunk every command loads.)
//
// Writes are atomic (temporary file, then rename; the CLI entry last), so a
// process starting while another rebuilds never reads a half-written file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFingerprint } from "./fingerprint.mjs";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const distDir = join(repoRoot, "cli", "dist");
export const stampPath = join(distDir, "build-stamp.json");

/** Bundles: output name → entry source. The first is the CLI; the others it imports lazily by these names. */
const BUNDLES = { blixard: "cli/src/main.ts", "blixard-node": "cli/src/node/run-node.ts", "blixard-sim": "cli/src/sim/run-sim.ts" };
/** Native addons (better-sqlite3, fs-ext: cli depends on them so cli/dist resolves them) and ws's optional accelerators. */
const EXTERNAL = ["better-sqlite3", "fs-ext", "bufferutil", "utf-8-validate"];
/** Bundled CommonJS modules call require() for node builtins; ESM output has no require of its own. */
const REQUIRE_SHIM = 'import { createRequire as __blixardCreateRequire } from "node:module"; const require = __blixardCreateRequire(import.meta.url);';

/** Bundle the CLI; `clean` first removes every earlier output. Returns what was written. */
export async function buildCli({ clean = false, log = () => {} } = {}) {
  const startedMs = performance.now();
  // Taken before reading the sources: an edit made during the build makes the next start rebuild.
  const fingerprint = sourceFingerprint(repoRoot);
  const { build } = await import("esbuild");
  const results = await Promise.all(
    Object.entries(BUNDLES).map(([name, entry]) =>
      build({
        absWorkingDir: repoRoot,
        entryPoints: { [name]: entry },
        outdir: distDir,
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node20",
        sourcemap: true,
        write: false,
        metafile: true,
        logLevel: "warning",
        external: EXTERNAL,
        banner: { js: REQUIRE_SHIM },
        plugins: [lazyBundles(entry), asciiStringWidth()],
      }),
    ),
  );
  if (clean) rmSync(distDir, { recursive: true, force: true });
  const outputs = results.flatMap((r) => r.outputFiles);
  const entryPath = join(distDir, "blixard.js");
  const ordered = [...outputs].sort((a, b) => (a.path === entryPath) - (b.path === entryPath));
  for (const file of ordered) writeAtomically(file.path, file.contents);
  writeAtomically(stampPath, JSON.stringify({ fingerprint, builtAt: new Date().toISOString() }) + "\n");
  const bytes = outputs.reduce((sum, file) => sum + file.contents.length, 0);
  const elapsedMs = Math.round(performance.now() - startedMs);
  log(`built ${relative(repoRoot, distDir)}: ${outputs.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB, in ${elapsedMs} ms`);
  return { files: outputs.map((f) => f.path), metafiles: results.map((r) => r.metafile), elapsedMs };
}

/** Imports of another bundle's entry become imports of its built file, resolved next to this one at run time. */
function lazyBundles(ownEntry) {
  const byPath = new Map(Object.entries(BUNDLES).map(([name, entry]) => [resolve(repoRoot, entry), name]));
  return {
    name: "blixard-lazy-bundles",
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const name = byPath.get(`${resolve(args.resolveDir, args.path)}.ts`);
        if (name === undefined || resolve(repoRoot, ownEntry) === resolve(args.resolveDir, `${args.path}.ts`)) return undefined;
        if (args.kind !== "dynamic-import") return { errors: [{ text: `${args.importer} imports ${args.path} statically; only import() may cross into another bundle` }] };
        return { path: `./${name}.js`, external: true };
      });
    },
  };
}

/**
 * yargs measures every help line (and it renders help for every command, to
 * have it ready) with string-width, whose module set-up compiles a large
 * Unicode regex and an Intl.Segmenter: about 30 ms of each start. Every import
 * of string-width gets a wrapper that answers plain printable ASCII itself
 * (its width is its length) and loads the real module on first other text.
 */
function asciiStringWidth() {
  const NAMESPACE = "ascii-string-width";
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData?.real === true) return undefined;
        const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { real: true } });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        resolveDir: dirname(args.path),
        loader: "js",
        contents: [
          "const PLAIN_ASCII = /^[\\x20-\\x7e]*$/;",
          "let real = null;",
          "export default function stringWidth(text, options) {",
          "  if (typeof text === 'string' && PLAIN_ASCII.test(text)) return text.length;",
          `  real ??= require(${JSON.stringify(args.path)});`,
          "  return (real.default ?? real)(text, options);",
          "}",
        ].join("\n"),
      }));
    },
  };
}

function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli({ clean: true, log: (line) => process.stdout.write(`${line}\n`) });
}
