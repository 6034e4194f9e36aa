// Copies what the bundled CLI (cli/dist, `pnpm build`) loads at run time and does not bundle: its
// native addons (better-sqlite3, fs-ext) and their runtime dependencies, into <target>/node_modules,
// so <target>/dist/blixard.js runs from an installed tree with no workspace around it. The Nix
// package (nix/package.nix) installs with it; cli/test/nix-packaging.test.ts starts a node from a
// tree it assembles.
//
//   node nix/install-runtime-modules.mjs <resolve-from-dir> <target-dir> <package>...
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve, sep } from "node:path";

/** Needed to build or fetch an addon, never to load it. */
const BUILD_ONLY = new Set(["nan", "node-gyp", "prebuild-install"]);
/** Inside an addon's package: sources and intermediate build files (better-sqlite3's SQLite sources are most of its size). */
const SKIPPED_DIRS = new Set(["deps", "src", "obj", "obj.target", ".deps", "test", "tests", "node_modules"]);

export function installRuntimeModules(fromDir, targetDir, names) {
  const copied = new Map();
  const queue = names.map((name) => ({ name, from: fromDir }));
  while (queue.length > 0) {
    const { name, from } = queue.shift();
    if (copied.has(name) || BUILD_ONLY.has(name)) continue;
    const dir = packageDir(name, from);
    const dest = join(targetDir, "node_modules", name);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(dir, dest, {
      recursive: true,
      dereference: true,
      // Static libraries are linked into the .node file already.
      filter: (source) => source === dir || (!source.endsWith(".a") && !relative(dir, source).split(sep).some((part) => SKIPPED_DIRS.has(part))),
    });
    copied.set(name, dest);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dependency, from: dir });
  }
  return [...copied.keys()];
}

/** The directory of package `name` as Node resolves it from `from` (pnpm's symlinked layout included). */
function packageDir(name, from) {
  const require = createRequire(join(resolve(from), "package.json"));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // A package whose exports hide package.json: climb from its entry point to its root.
    let dir = dirname(require.resolve(name));
    while (!existsSync(join(dir, "package.json")) || basename(dir) !== name.split("/").at(-1)) dir = dirname(dir);
    return dir;
  }
}

if (process.argv[1] !== undefined && basename(process.argv[1]) === "install-runtime-modules.mjs") {
  const [fromDir, targetDir, ...names] = process.argv.slice(2);
  if (fromDir === undefined || targetDir === undefined || names.length === 0) {
    process.stderr.write("usage: node nix/install-runtime-modules.mjs <resolve-from-dir> <target-dir> <package>...\n");
    process.exit(2);
  }
  const copied = installRuntimeModules(fromDir, targetDir, names);
  process.stdout.write(`installed ${copied.join(", ")} into ${join(targetDir, "node_modules")}\n`);
}
