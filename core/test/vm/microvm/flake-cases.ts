import { validateVmSpec } from "../../../src/vm/validate-spec";
import type { VmNetwork } from "../../../src/vm/microvm/network";
import type { MicrovmFlakeInputs } from "../../../src/vm/microvm/flake";
import type { VmSpec } from "../../../src/vm/spec";

/**
 * The per-VM flakes pinned by golden files (golden/<case>/…): one case per
 * hypervisor, each with what that hypervisor can take, then one per option.
 */
export interface FlakeCase {
  readonly spec: VmSpec;
  readonly network: VmNetwork | null;
}

export const INPUTS: MicrovmFlakeInputs = {
  nixpkgs: "github:NixOS/nixpkgs/nixos-24.11",
  microvm: "github:astro/microvm.nix",
  system: "x86_64-linux",
};

const MODULE = `{ pkgs, ... }: {
  services.getty.autologinUser = "root";
  environment.systemPackages = [ pkgs.curl ];
}`;

function spec(input: Record<string, unknown>): VmSpec {
  const r = validateVmSpec({ name: "web-1", vcpus: 2, memoryMib: 1024, nixos: { modules: [MODULE] }, ...input });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const tap = { type: "tap", id: "vm-web-1", mac: "02:00:0a:14:00:05" };
const volume = { image: "var.img", mountPoint: "/var", sizeMib: 2048 };
const share = (proto: string) => ({ tag: "data", source: "/srv/data", mountPoint: "/data", proto });

/** What the address pools hand out: one tap on bridge br-blixard at 10.20.0.5/24. */
export const ALLOCATED: VmNetwork = {
  interfaces: [{ type: "tap", id: "bx-web-1", mac: "02:00:0a:14:00:05", ipv4: { address: "10.20.0.5", prefixLength: 24, gateway: "10.20.0.1" }, bridge: "br-blixard" }],
  dnsIpv4: ["10.20.0.1"],
};

export const FLAKE_CASES: Readonly<Record<string, FlakeCase>> = {
  "hypervisor-qemu": { spec: spec({ hypervisor: "qemu", interfaces: [tap], volumes: [volume], shares: [share("9p")] }), network: null },
  "hypervisor-cloud-hypervisor": { spec: spec({ hypervisor: "cloud-hypervisor", interfaces: [tap], volumes: [volume], shares: [share("virtiofs")] }), network: null },
  "hypervisor-firecracker": { spec: spec({ hypervisor: "firecracker", interfaces: [tap], volumes: [volume] }), network: null },
  "hypervisor-crosvm": { spec: spec({ hypervisor: "crosvm", interfaces: [tap], volumes: [volume], shares: [share("virtiofs")] }), network: null },
  "hypervisor-kvmtool": { spec: spec({ hypervisor: "kvmtool", interfaces: [{ ...tap, type: "user" }], shares: [share("9p")] }), network: null },
  "hypervisor-stratovirt": { spec: spec({ hypervisor: "stratovirt", interfaces: [tap], volumes: [volume], shares: [share("virtiofs")] }), network: null },
  "hypervisor-alioth": { spec: spec({ hypervisor: "alioth", interfaces: [tap], volumes: [volume], shares: [share("virtiofs")] }), network: null },
  "minimal-no-devices": { spec: spec({}), network: null },
  "allocated-network": { spec: spec({ interfaces: [tap] }), network: ALLOCATED },
  "two-modules-and-kernel-params": {
    spec: spec({ nixos: { modules: [MODULE, "{ ... }: { networking.firewall.enable = false; }\n"] }, kernel: { kernelParams: ["quiet", "loglevel=3"] } }),
    network: null,
  },
  "user-flake": { spec: spec({ nixos: { flake: "github:me/infra/main#nixosConfigurations.web" } }), network: ALLOCATED },
  "user-flake-quoted-name": { spec: spec({ name: "1web", nixos: { flake: "path:/srv/infra#nixosConfigurations.1web" } }), network: null },
  "hostile-strings": {
    spec: spec({
      volumes: [{ image: "x\"; } ${builtins.abort \"v\"} \\\" $${y} ''${z}", mountPoint: "/m/${a}", sizeMib: 1 }],
      shares: [{ tag: "t", source: "/s/\"\n\t\r\\${x}", mountPoint: "/s", proto: "9p" }],
      kernel: { kernelParams: ["x=\"${y}\"", "\\$", "a$b"] },
      nixos: { modules: ["{ ... }: { environment.etc.\"a\".text = \"\\${x}\"; }"] },
    }),
    network: null,
  },
};
