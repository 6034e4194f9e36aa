import { describe, expect, it } from "vitest";
import { parseNodeArgs, type RawNodeArgs } from "../src/node/node-args";

const good: RawNodeArgs = {
  id: "n1",
  listen: "127.0.0.1:7001",
  peer: ["n2=ws://127.0.0.1:7002", "n3=ws://127.0.0.1:7003"],
  dataDir: "./data/n1",
};

function problem(overrides: Partial<Record<keyof RawNodeArgs, unknown>>): string {
  const parsed = parseNodeArgs({ ...good, ...overrides });
  if (parsed.ok) throw new Error(`expected a usage error for ${JSON.stringify(overrides)}`);
  expect(parsed.error.code).toBe("usage");
  return parsed.error.message;
}

describe("blixard node arguments", () => {
  it("a good command line becomes a launch with sorted features, peers by id and default host capacity", () => {
    const parsed = parseNodeArgs({ ...good, feature: ["nix", "kvm", "kvm"], metricsPort: 9101 });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.listen).toEqual({ host: "127.0.0.1", port: 7001 });
    expect(parsed.value.peers).toEqual({ n2: "ws://127.0.0.1:7002", n3: "ws://127.0.0.1:7003" });
    expect(parsed.value.features).toEqual(["kvm", "nix"]);
    expect(parsed.value.capacity).toEqual({ vcpus: 16, memoryMib: 32 * 1024, diskGib: 500 });
    expect(parsed.value.backend).toBe("process");
    expect(parsed.value.metricsListen).toEqual({ host: "127.0.0.1", port: 9101 });
    expect(parsed.value.readMode).toBe("read-index");
  });

  it("--read-mode takes read-index or lease, and names the choices otherwise", () => {
    const lease = parseNodeArgs({ ...good, readMode: "lease" });
    expect(lease.ok && lease.value.readMode).toBe("lease");
    expect(problem({ readMode: "fast" })).toBe('--read-mode must be one of read-index, lease, got "fast"');
  });

  it("a --peer without id=ws://host:port is refused, quoting what was given", () => {
    expect(problem({ peer: "ws://127.0.0.1:7002" })).toBe('--peer must look like n2=ws://host:port, got "ws://127.0.0.1:7002"');
    expect(problem({ peer: ["n2=http://127.0.0.1:7002"] })).toContain("the scheme must be ws://");
    expect(problem({ peer: ["n2=ws://127.0.0.1"] })).toContain("the port is missing");
    expect(problem({ peer: ["n2=ws://127.0.0.1:7002/path"] })).toContain("no path");
    expect(problem({ peer: ["bad id=ws://127.0.0.1:7002"] })).toContain('got "bad id=ws://127.0.0.1:7002"');
  });

  it("a peer naming this node, or one node twice, is refused", () => {
    expect(problem({ peer: ["n1=ws://127.0.0.1:7002"] })).toContain("names this node itself");
    expect(problem({ peer: ["n2=ws://127.0.0.1:7002", "n2=ws://127.0.0.1:7003"] })).toBe("--peer names node n2 twice");
  });

  it("listen, id, data dir, backend, capacity and metrics port are each checked by name", () => {
    expect(problem({ listen: "7001" })).toContain("--listen must look like 127.0.0.1:7001");
    expect(problem({ listen: "127.0.0.1:70000" })).toContain("--listen");
    expect(problem({ id: "-n1" })).toContain("--id must be");
    expect(problem({ dataDir: " " })).toContain("--data-dir is required");
    expect(problem({ backend: "docker" })).toContain("--backend must be one of process, qemu-direct, microvm-nix");
    expect(problem({ vcpus: 0 })).toContain("--vcpus must be an integer from 1");
    expect(problem({ memoryMib: 1.5 })).toContain("--memory-mib");
    expect(problem({ diskGib: -1 })).toContain("--disk-gib");
    expect(problem({ feature: ["KVM"] })).toContain("--feature must be a name");
    expect(problem({ metricsPort: 0 })).toContain("--metrics-port");
    expect(problem({ nixpkgsFlake: "github:NixOS/nixpkgs/abc" })).toContain("only apply to --backend microvm-nix, not process");
  });

  it("microvm-nix takes its flake references, Nix CLI and build timeout, each checked by name", () => {
    const parsed = parseNodeArgs({ ...good, backend: "microvm-nix", nixpkgsFlake: "github:NixOS/nixpkgs/0123abc", nixBuildTimeoutS: 600 });
    expect(parsed.ok && parsed.value.microvmNix).toMatchObject({
      nixpkgsFlake: "github:NixOS/nixpkgs/0123abc",
      microvmFlake: "github:astro/microvm.nix",
      nixCommand: "nix",
      buildTimeoutMs: 600_000,
    });
    expect(parseNodeArgs(good).ok && parseNodeArgs(good)).toMatchObject({ value: { microvmNix: null } });
    expect(problem({ backend: "microvm-nix", microvmFlake: "github:astro/microvm.nix#x" })).toContain("--microvm-flake must be a flake reference");
    expect(problem({ backend: "microvm-nix", nixpkgsFlake: "a b" })).toContain("--nixpkgs-flake must be a flake reference");
    expect(problem({ backend: "microvm-nix", nixBuildTimeoutS: 0 })).toContain("--nix-build-timeout-s must be an integer from 1");
    expect(problem({ backend: "microvm-nix", nixCommand: " " })).toContain("--nix-command must name the Nix CLI");
  });

  it("too many peers is refused before any is parsed", () => {
    const peers = Array.from({ length: 16 }, (_, i) => `p${i}=ws://127.0.0.1:${8000 + i}`);
    expect(problem({ peer: peers })).toContain("at most 15 peers");
  });
});
