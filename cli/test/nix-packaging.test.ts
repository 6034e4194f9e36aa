import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNodeArgs, type RawNodeArgs } from "../src/node/node-args";

/**
 * flake.nix and nix/: parsed by Nix (Debian's nix-instantiate, no nixpkgs);
 * the install layout nix/package.nix produces (cli/dist plus the native
 * addons nix/install-runtime-modules.mjs copies) assembled here and started
 * as a node; and, where nixpkgs' lib is at hand (BLIXARD_NIXPKGS_LIB), the
 * NixOS module evaluated with lib.evalModules over stub declarations of the
 * NixOS options it sets, its ExecStart read back through the CLI's own
 * argument parser. Nothing here builds with Nix or evaluates nixpkgs itself.
 */
const REPO = join(import.meta.dirname, "..", "..");
const NIX_INSTANTIATE = ["/usr/bin/nix-instantiate", "/run/current-system/sw/bin/nix-instantiate"].find((path) => existsSync(path));
const parseSkip = NIX_INSTANTIATE === undefined ? "nix-instantiate not installed (apt install nix-bin; scripts/setup.sh does)" : "";
const NIXPKGS_LIB = process.env.BLIXARD_NIXPKGS_LIB;
const evalSkip = parseSkip !== "" ? parseSkip : NIXPKGS_LIB === undefined ? "set BLIXARD_NIXPKGS_LIB to a nixpkgs lib checkout (a directory holding lib/)" : "";

function nix(args: readonly string[]): string {
  return execFileSync(NIX_INSTANTIATE!, args, { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
}

/** The module evaluated as NixOS would, over stubs for the NixOS options it defines (types loose: raw). */
function moduleEval(settings: string): string {
  return `
let
  lib = import ${NIXPKGS_LIB}/lib;
  stub = name: { type = "derivation"; inherit name; outPath = "/nix/store/00000000000000000000000000000000-" + name; meta.mainProgram = name; };
  raw = lib.mkOption { type = lib.types.raw; default = { }; };
  nixosStubs = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.raw; default = [ ]; };
      users.users = lib.mkOption { type = lib.types.attrsOf (lib.types.attrsOf lib.types.raw); default = { }; };
      users.groups = lib.mkOption { type = lib.types.attrsOf lib.types.raw; default = { }; };
      boot.kernelModules = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      networking.bridges = lib.mkOption { type = lib.types.attrsOf lib.types.raw; default = { }; };
      networking.interfaces = lib.mkOption { type = lib.types.attrsOf lib.types.raw; default = { }; };
      networking.firewall.allowedTCPPorts = lib.mkOption { type = lib.types.listOf lib.types.port; default = [ ]; };
      systemd.services = lib.mkOption { type = lib.types.attrsOf (lib.types.attrsOf lib.types.raw); default = { }; };
      nix.package = lib.mkOption { type = lib.types.package; default = stub "nix"; };
    };
  };
  module = import ${REPO}/nix/module.nix {
    blixard.packages.x86_64-linux.blixard = stub "blixard";
    nixpkgs = "/nix/store/11111111111111111111111111111111-nixpkgs-source";
    microvm = "/nix/store/22222222222222222222222222222222-microvm-source";
  };
  pkgs = { stdenv.hostPlatform.system = "x86_64-linux"; iproute2 = stub "iproute2"; coreutils = stub "coreutils"; qemu_kvm = stub "qemu"; };
  c = (lib.evalModules { modules = [ nixosStubs module { services.blixard = ${settings}; } ]; specialArgs = { inherit pkgs; }; }).config;
  unit = c.systemd.services.blixard;
  evalSetting = value: if builtins.isAttrs value && value ? _type && value._type == "if" then (if value.condition then value.content else null) else value;
in {
  execStart = unit.serviceConfig.ExecStart;
  serviceConfig = builtins.mapAttrs (_: evalSetting) (builtins.removeAttrs unit.serviceConfig [ "ExecStart" ]);
  path = map (p: p.name) unit.path;
  users = builtins.attrNames c.users.users;
  microvmUser = c.users.users.microvm or null;
  kernelModules = c.boot.kernelModules;
  bridges = builtins.attrNames c.networking.bridges;
  bridgeAddresses = c.networking.interfaces;
  ports = c.networking.firewall.allowedTCPPorts;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
}`;
}

/** `blixard node` arguments as yargs would hand them to parseNodeArgs (camelCase keys, repeated flags as lists). */
function rawNodeArgs(argv: readonly string[]): RawNodeArgs {
  const raw: Record<string, unknown> = {};
  const repeated = new Set(["peer", "feature"]);
  const numeric = new Set(["vcpus", "memoryMib", "diskGib", "metricsPort", "nixBuildTimeoutS"]);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith("--")) throw new Error(`not a flag: ${flag}`);
    const key = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (key === "join") {
      raw[key] = true;
      continue;
    }
    const value = argv[++i]!;
    const parsed = numeric.has(key) ? Number(value) : value;
    raw[key] = repeated.has(key) ? [...((raw[key] as unknown[]) ?? []), parsed] : parsed;
  }
  return raw as RawNodeArgs;
}

/** The arguments of a systemd ExecStart written with lib.escapeShellArgs (single-quoted words). */
function execStartWords(execStart: string): string[] {
  return [...execStart.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replaceAll("'\\''", "'") : m[2]!));
}

describe(`Nix packaging${parseSkip ? ` (Nix parts skipped: ${parseSkip})` : ""}`, () => {
  it.skipIf(parseSkip !== "")("flake.nix, nix/package.nix and nix/module.nix parse", () => {
    nix(["--parse", join(REPO, "flake.nix"), join(REPO, "nix", "package.nix"), join(REPO, "nix", "module.nix")]);
  });

  it("the package's install layout (cli/dist and the addons it loads) starts a node with no workspace around it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blixard-install-"));
    try {
      const out = join(dir, "lib", "blixard");
      execFileSync(process.execPath, [join(REPO, "nix", "install-runtime-modules.mjs"), join(REPO, "cli"), out, "better-sqlite3", "fs-ext"], { stdio: "ignore" });
      cpSync(join(REPO, "cli", "dist"), join(out, "dist"), { recursive: true });
      const node = spawn(process.execPath, [join(out, "dist", "blixard.js"), "node", "--id", "n1", "--listen", "127.0.0.1:0", "--data-dir", join(dir, "data")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      node.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => node.once("exit", (code) => resolve(code)));
      const deadline = performance.now() + 30_000;
      while (!output.includes("serving on ws://") && performance.now() < deadline && node.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output).toContain("blixard node n1 serving on ws://127.0.0.1:");
      node.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(evalSkip !== "")(`services.blixard evaluates to a hardened unit whose ExecStart the CLI accepts${evalSkip ? ` (skipped: ${evalSkip})` : ""}`, () => {
    const settings = `{
      enable = true; nodeId = "n1"; listen = "0.0.0.0:7001"; advertise = "ws://10.0.0.11:7001";
      peers = { n2 = "ws://10.0.0.12:7001"; n3 = "ws://10.0.0.13:7001"; };
      capacity = { vcpus = 32; memoryMib = 65536; }; features = [ "kvm" ]; metricsPort = 9101;
      bridge.ipv4 = { address = "10.20.0.1"; prefixLength = 24; }; openFirewall = true;
    }`;
    const read = JSON.parse(nix(["--eval", "--strict", "--json", "-E", moduleEval(settings)]));
    const words = execStartWords(read.execStart);
    expect(words.slice(0, 2)).toEqual(["/nix/store/00000000000000000000000000000000-blixard/bin/blixard", "node"]);
    const parsed = parseNodeArgs(rawNodeArgs(words.slice(2)));
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toMatchObject({
      nodeId: "n1",
      listen: { host: "0.0.0.0", port: 7001 },
      advertise: "ws://10.0.0.11:7001",
      peers: { n2: "ws://10.0.0.12:7001", n3: "ws://10.0.0.13:7001" },
      dataDir: "/var/lib/blixard",
      backend: "microvm-nix",
      capacity: { vcpus: 32, memoryMib: 65536, diskGib: 500 },
      features: ["kvm"],
      metricsPort: 9101,
      microvmNix: {
        nixpkgsFlake: "path:/nix/store/11111111111111111111111111111111-nixpkgs-source",
        microvmFlake: "path:/nix/store/22222222222222222222222222222222-microvm-source",
        nixCommand: "/nix/store/00000000000000000000000000000000-nix/bin/nix",
        buildTimeoutMs: 1_800_000,
      },
    });
    expect(read.serviceConfig).toMatchObject({
      User: "blixard",
      Group: "blixard",
      SupplementaryGroups: ["kvm"],
      StateDirectory: "blixard",
      AmbientCapabilities: ["CAP_NET_ADMIN"],
      CapabilityBoundingSet: ["CAP_NET_ADMIN"],
      NoNewPrivileges: true,
      ProtectSystem: "strict",
      ProtectHome: true,
      PrivateTmp: true,
      DevicePolicy: "closed",
      DeviceAllow: ["/dev/kvm rw", "/dev/net/tun rw", "/dev/vhost-net rw", "/dev/vhost-vsock rw"],
      KillMode: "mixed",
    });
    expect(read.path).toEqual(["nix", "iproute2", "coreutils"]);
    expect(read.users.sort()).toEqual(["blixard", "microvm"]);
    expect(read.microvmUser).toMatchObject({ isSystemUser: true, group: "kvm" });
    expect(read.kernelModules).toEqual(["tun", "vhost_net", "bridge"]);
    expect(read.bridges).toEqual(["blixard0"]);
    expect(read.bridgeAddresses).toEqual({ blixard0: { ipv4: { addresses: [{ address: "10.20.0.1", prefixLength: 24 }] } } });
    expect(read.ports).toEqual([7001]);
    expect(read.failedAssertions).toEqual([]);

    // A cluster node on a wildcard address without advertise is refused, saying why.
    const wildcard = JSON.parse(nix(["--eval", "--strict", "--json", "-E", moduleEval(`{ enable = true; nodeId = "n1"; peers.n2 = "ws://10.0.0.12:7001"; backend = "process"; }`)]));
    expect(wildcard.failedAssertions).toEqual(["services.blixard: a node of a cluster that listens on a wildcard address needs `advertise` (the URL its peers reach it at)."]);
    expect(wildcard.serviceConfig.AmbientCapabilities).toEqual([]);
    expect(wildcard.users).toEqual(["blixard"]);
  });
});
