import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { microvmFlake } from "../../../src/vm/microvm/flake";
import { networkFromSpec } from "../../../src/vm/microvm/network";
import type { VmNetwork } from "../../../src/vm/microvm/network";
import { nixString } from "../../../src/vm/nix/nix-syntax";
import type { VmSpec } from "../../../src/vm/spec";
import { validateVmSpec } from "../../../src/vm/validate-spec";
import { hostileText } from "../hostile-text";
import { FLAKE_CASES, INPUTS } from "./flake-cases";

/**
 * The generated Nix, read by Nix itself (Debian's nix-bin: the parser and
 * evaluator, no nixpkgs): every golden file parses, and for specs drawn at
 * random with hostile text in every free-form field, every generated file
 * parses and the values Nix reads back out of blixard.nix and flake.nix are
 * exactly the spec's. Nothing here builds anything.
 */
const NIX_INSTANTIATE = ["/usr/bin/nix-instantiate", "/run/current-system/sw/bin/nix-instantiate"].find((path) => existsSync(path));
const skipReason = NIX_INSTANTIATE === undefined ? "nix-instantiate not installed (apt install nix-bin; scripts/setup.sh does)" : "";
const GOLDEN = join(import.meta.dirname, "golden");
/**
 * Optional, where their sources are at hand: nixpkgs' `lib` (a directory
 * holding lib/, e.g. a checkout of nix-community/nixpkgs.lib) and microvm.nix
 * (a checkout of astro/microvm.nix). With both, each golden blixard.nix is
 * evaluated with lib.evalModules against microvm.nix's own option
 * declarations: every option Blixard sets must exist there with a type that
 * takes the value.
 */
const NIXPKGS_LIB = process.env.BLIXARD_NIXPKGS_LIB;
const MICROVM_SRC = process.env.BLIXARD_MICROVM_SRC;
const evalSkipReason = skipReason !== "" ? skipReason : NIXPKGS_LIB === undefined || MICROVM_SRC === undefined ? "set BLIXARD_NIXPKGS_LIB and BLIXARD_MICROVM_SRC to nixpkgs lib and microvm.nix checkouts" : "";

/** lib.evalModules over microvm.nix's options.nix, stub declarations for the few NixOS options it and blixard.nix touch, and `module`. */
function evalAgainstMicrovmOptions(module: string): string {
  return `
let
  lib = import ${NIXPKGS_LIB}/lib;
  raw = lib.mkOption { type = lib.types.raw; default = { }; };
  nixosStubs = { lib, ... }: {
    options = {
      networking.hostName = lib.mkOption { type = lib.types.str; default = "nixos"; };
      networking.useNetworkd = lib.mkOption { type = lib.types.bool; default = false; };
      boot.kernelParams = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      boot.kernelPackages = lib.mkOption { type = lib.types.raw; default = { kernel.version = "6.6"; }; };
      system.build = raw;
      systemd.network = raw;
      assertions = lib.mkOption { type = lib.types.listOf lib.types.raw; default = [ ]; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
  };
  c = (lib.evalModules {
    modules = [ nixosStubs ${MICROVM_SRC}/nixos-modules/microvm/options.nix ${module} ];
    specialArgs.pkgs.stdenv.system = "x86_64-linux";
  }).config;
in {
  hostName = c.networking.hostName;
  inherit (c.microvm) hypervisor vcpu mem;
  interfaces = map (i: { inherit (i) type id mac; }) c.microvm.interfaces;
  volumes = map (v: { inherit (v) image mountPoint size readOnly; }) c.microvm.volumes;
  shares = map (s: { inherit (s) proto tag source mountPoint socket; }) c.microvm.shares;
  kernelParams = c.boot.kernelParams;
}`;
}
const SPECS_PER_RUN = 60;

function nix(args: readonly string[]): string {
  return execFileSync(NIX_INSTANTIATE!, args, { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

function nixFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? nixFiles(path) : name.endsWith(".nix") ? [path] : [];
  });
}

const absolutePath = hostileText.map((text) => `/${text.replaceAll("/..", "/x.")}`).filter((path) => !path.split("/").includes(".."));

/** A raw spec whose every free-form field holds hostile text; kept only if validateVmSpec accepts it. */
const hostileSpec = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/),
    hypervisor: fc.constantFrom("qemu", "crosvm"),
    image: hostileText.filter((text) => text.length > 0),
    volumeMount: absolutePath,
    shareSource: absolutePath,
    shareMount: absolutePath,
    params: fc.array(hostileText.map((text) => text.replace(/[\s\u0000-\u001f\u007f]/g, "_")).filter((text) => text.length > 0), { maxLength: 3 }),
    flake: fc.option(hostileText.map((text) => `path:/${text.replace(/[\s\u0000-\u001f\u007f#]/g, "_")}#nixosConfigurations.web`), { nil: null }),
    module: hostileText.filter((text) => text.trim().length > 0),
  })
  .map((r) => {
    const spec = validateVmSpec({
      name: r.name,
      vcpus: 1,
      memoryMib: 256,
      hypervisor: r.hypervisor,
      volumes: [{ image: r.image, mountPoint: r.volumeMount, sizeMib: 16 }],
      shares: r.shareMount === r.volumeMount ? [] : [{ tag: "share", source: r.shareSource, mountPoint: r.shareMount, proto: "9p" }],
      kernel: { kernelParams: r.params },
      // A module is Nix code by design: it goes to a file of its own, so here it is a string expression holding the hostile text.
      nixos: r.flake === null ? { modules: [nixString(r.module)] } : { flake: r.flake },
    });
    return spec.ok ? spec.value : null;
  })
  .filter((spec): spec is VmSpec => spec !== null);

const NETWORK: VmNetwork = {
  interfaces: [{ type: "tap", id: "bx0", mac: "02:00:00:00:00:01", ipv4: { address: "10.0.0.2", prefixLength: 24, gateway: null }, bridge: null }],
  dnsIpv4: [],
};

describe(`generated Nix read by Nix${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it.skipIf(skipReason !== "")("every golden file parses (nix-instantiate --parse)", () => {
    const files = nixFiles(GOLDEN);
    expect(files.length).toBeGreaterThan(20);
    nix(["--parse", ...files]);
  });

  it.skipIf(skipReason !== "")("property: hostile spec text always parses and reads back exactly, in blixard.nix and flake.nix", () => {
    const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
    const specs = fc.sample(hostileSpec, { seed, numRuns: SPECS_PER_RUN });
    const dir = mkdtempSync(join(tmpdir(), "blixard-flake-prop-"));
    try {
      const cases = specs.map((spec, i) => {
        const network = i % 2 === 0 ? NETWORK : networkFromSpec(spec);
        const flake = microvmFlake(spec, network, INPUTS);
        if (!flake.ok) throw new Error(`seed ${seed}: ${flake.error.message}`);
        for (const file of flake.value.files) {
          const path = join(dir, `c${i}`, file.path);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, file.text);
        }
        return { spec, files: flake.value.files.map((file) => join(dir, `c${i}`, file.path)) };
      });
      nix(["--parse", ...cases.flatMap((c) => c.files)]);
      const stubLib = "{ mkForce = x: x; mkDefault = x: x; }";
      const reads = cases.map((_, i) => `{ m = (import ${dir}/c${i}/blixard.nix { lib = ${stubLib}; }); i = (import ${dir}/c${i}/flake.nix).inputs; }`);
      const read = JSON.parse(nix(["--eval", "--strict", "--json", "-E", `[ ${reads.join(" ")} ]`])) as Array<{ m: any; i: any }>;
      cases.forEach(({ spec }, i) => {
        const { m, i: inputs } = read[i]!;
        const context = `seed ${seed}, spec ${JSON.stringify(spec)}`;
        expect(m.networking.hostName, context).toBe(spec.name);
        expect(m.microvm.volumes, context).toEqual(spec.volumes.map((v) => ({ image: v.image, mountPoint: v.mountPoint, size: v.sizeMib, readOnly: v.readOnly })));
        expect(m.microvm.shares ?? [], context).toEqual(spec.shares.map((s) => ({ proto: s.proto, tag: s.tag, source: s.source, mountPoint: s.mountPoint })));
        expect(m.boot?.kernelParams ?? [], context).toEqual(spec.kernel.kernelParams);
        if (spec.nixos?.kind === "flake") expect(inputs.guest.url, context).toBe(spec.nixos.flake.slice(0, spec.nixos.flake.indexOf("#")));
        else expect(inputs.nixpkgs.url, context).toBe(INPUTS.nixpkgs);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(evalSkipReason !== "")(`each golden blixard.nix evaluates against microvm.nix's own option declarations${evalSkipReason ? ` (skipped: ${evalSkipReason})` : ""}`, () => {
    for (const [name, c] of Object.entries(FLAKE_CASES)) {
      const network = c.network ?? networkFromSpec(c.spec);
      const read = JSON.parse(nix(["--eval", "--strict", "--json", "-E", evalAgainstMicrovmOptions(join(GOLDEN, name, "blixard.nix"))]));
      expect(read, name).toEqual({
        hostName: c.spec.name,
        hypervisor: c.spec.hypervisor,
        vcpu: c.spec.vcpus,
        mem: c.spec.memoryMib,
        interfaces: network.interfaces.map((i) => ({ type: i.type, id: i.id, mac: i.mac })),
        volumes: c.spec.volumes.map((v) => ({ image: v.image, mountPoint: v.mountPoint, size: v.sizeMib, readOnly: v.readOnly })),
        // microvm.nix names a virtiofs share's socket after the host name and tag, relative to the state directory.
        shares: c.spec.shares.map((s) => ({ proto: s.proto, tag: s.tag, source: s.source, mountPoint: s.mountPoint, socket: s.proto === "virtiofs" ? `${c.spec.name}-virtiofs-${s.tag}.sock` : null })),
        kernelParams: c.spec.kernel.kernelParams,
      });
    }
    // An option microvm.nix does not have is an error there, not silently ignored.
    const dir = mkdtempSync(join(tmpdir(), "blixard-microvm-opt-"));
    try {
      writeFileSync(join(dir, "bad.nix"), "{ ... }: { microvm.volumes = [ { image = \"a.img\"; sizeMib = 1; } ]; }\n");
      expect(() => nix(["--eval", "--strict", "--json", "-E", evalAgainstMicrovmOptions(join(dir, "bad.nix"))])).toThrow(/sizeMib' does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(skipReason !== "")("a broken module is reported by Nix in its own file, and flake.nix still parses", () => {
    const spec = validateVmSpec({ name: "web", vcpus: 1, memoryMib: 256, nixos: { modules: ['{ ... }: { x = "unterminated; }'] } });
    if (!spec.ok) throw new Error(spec.error.message);
    const flake = microvmFlake(spec.value, networkFromSpec(spec.value), INPUTS);
    if (!flake.ok) throw new Error(flake.error.message);
    const dir = mkdtempSync(join(tmpdir(), "blixard-flake-broken-"));
    try {
      for (const file of flake.value.files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.text);
      }
      nix(["--parse", join(dir, "flake.nix"), join(dir, "blixard.nix")]);
      expect(() => nix(["--parse", join(dir, "modules/0.nix")])).toThrow(/modules\/0\.nix/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
