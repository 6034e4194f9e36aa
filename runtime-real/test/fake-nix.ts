import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A stand-in for the Nix CLI's `nix build` of a microvm.nix runner: it
 * insists on the command line the backend must use (the nix-command and
 * flakes features, --out-link, internal-json logs, a `path:` flake
 * installable of the declared runner), checks the generated flake.nix is
 * there and, where nix-instantiate exists, that it parses; prints build
 * progress as Nix's internal-json logger does; then links the out-link to
 * `runner`, the way a finished build does. `fail` prints Nix-style errors
 * and exits 1; `sleepS` holds the build that long first.
 */
export interface FakeNixOptions {
  readonly dir: string;
  readonly runner: string;
  readonly fail?: string;
  readonly sleepS?: number;
}

export function makeFakeNix(options: FakeNixOptions): string {
  const path = join(options.dir, "fake-nix");
  writeFileSync(path, `#!${process.execPath}
const fs = require("node:fs");
const { execFileSync } = require("node:child_process");
const args = process.argv.slice(2);
const bad = (why) => { console.error("fake-nix: " + why + ": " + JSON.stringify(args)); process.exit(2); };
const features = args.indexOf("--extra-experimental-features");
if (features < 0 || args[features + 1] !== "nix-command flakes") bad("flakes not enabled");
if (args[features + 2] !== "build") bad("not a build");
const outLink = args[args.indexOf("--out-link") + 1];
if (args.indexOf("--out-link") < 0 || !outLink.endsWith("/current")) bad("no --out-link .../current");
if (args[args.indexOf("--log-format") + 1] !== "internal-json") bad("no internal-json log");
const installable = args[args.length - 1];
const match = /^path:(\\/.+)#nixosConfigurations\\.([a-z0-9-]+)\\.config\\.microvm\\.declaredRunner$/.exec(installable);
if (match === null) bad("not a declaredRunner installable");
fs.appendFileSync(${JSON.stringify(join(options.dir, "fake-nix.calls"))}, JSON.stringify(args) + "\\n");
const flake = match[1] + "/flake.nix";
if (!fs.existsSync(flake)) bad("no flake.nix in " + match[1]);
for (const parser of ["/usr/bin/nix-instantiate"]) {
  if (fs.existsSync(parser)) execFileSync(parser, ["--parse", flake, match[1] + "/blixard.nix"], { stdio: ["ignore", "ignore", "inherit"] });
}
const log = (entry) => process.stderr.write("@nix " + JSON.stringify(entry) + "\\n");
const sleep = (s) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, s * 1000);
log({ action: "msg", level: 3, msg: "evaluating" });
log({ action: "start", id: 1, level: 0, type: 104, text: "", fields: [] });
log({ action: "start", id: 2, level: 0, type: 103, text: "", fields: [] });
log({ action: "result", id: 1, type: 105, fields: [0, 3, 0, 0] });
log({ action: "result", id: 2, type: 105, fields: [5, 12, 0, 0] });
log({ action: "start", id: 3, level: 3, type: 105, text: "building", fields: ["/nix/store/0123456789abcdfghijklmnpqrsvwxyz-linux-6.6.drv", "", 1, 1] });
sleep(${options.sleepS ?? 0});
${options.fail === undefined ? "" : `log({ action: "msg", level: 0, msg: ${JSON.stringify(options.fail)} }); process.exit(1);`}
log({ action: "stop", id: 3 });
log({ action: "result", id: 1, type: 105, fields: [3, 3, 0, 0] });
log({ action: "result", id: 2, type: 105, fields: [12, 12, 0, 0] });
fs.rmSync(outLink, { force: true });
fs.symlinkSync(${JSON.stringify(options.runner)}, outLink);
`);
  chmodSync(path, 0o755);
  return path;
}
