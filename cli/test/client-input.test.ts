import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseClusterList } from "../src/client/cluster-endpoints";
import { renderTable } from "../src/client/output";
import { checkSpec, flakeRef, parseRestart, readSpecFile, specFromFlags, SPEC_FILE_BYTES_MAX } from "../src/client/vm-spec-input";

const dir = mkdtempSync(join(tmpdir(), "blixard-cli-test-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("--cluster lists", () => {
  it("accept bare URLs and id=URL, normalised", () => {
    const parsed = parseClusterList(" ws://127.0.0.1:7001/ , n2=ws://127.0.0.1:7002");
    expect(parsed).toEqual({ ok: true, value: [{ nodeId: null, url: "ws://127.0.0.1:7001" }, { nodeId: "n2", url: "ws://127.0.0.1:7002" }] });
  });

  it("refuse a missing list, wrong schemes, missing ports and duplicates with the entry quoted", () => {
    const message = (text: string | undefined) => {
      const parsed = parseClusterList(text);
      return parsed.ok ? "" : parsed.error.message;
    };
    expect(message(undefined)).toContain("--cluster is required");
    expect(message("http://127.0.0.1:7001")).toContain('--cluster entry "http://127.0.0.1:7001" must look like ws://host:port');
    expect(message("ws://127.0.0.1")).toContain("the port is missing");
    expect(message("ws://a:1,ws://a:1")).toContain("lists ws://a:1 twice");
    expect(message("n1=ws://a:1,n1=ws://a:2")).toContain("names node n1 twice");
    expect(message(Array.from({ length: 65 }, (_, i) => `ws://a:${i + 1}`).join(","))).toContain("at most 64");
  });
});

describe("vm create input", () => {
  it("flags become a spec that validates, with restart policy and flake shorthand expanded", () => {
    const raw = specFromFlags({ name: "web", vcpus: 2, memoryMib: 512, feature: ["kvm"], restart: "on-failure:5", flake: "/etc/nixos#web", antiAffinity: "front" });
    if (!raw.ok) throw new Error(raw.error.message);
    const spec = checkSpec(raw.value);
    if (!spec.ok) throw new Error(spec.error.message);
    expect(spec.value.restartPolicy).toMatchObject({ kind: "on-failure", maxRetries: 5 });
    expect(spec.value.nixos).toEqual({ kind: "flake", flake: "/etc/nixos#nixosConfigurations.web" });
    expect(spec.value.requiredFeatures).toEqual(["kvm"]);
    expect(spec.value.antiAffinityGroup).toBe("front");
  });

  it("--nixos-module files become module texts in the spec, --runner an absolute path, a relative flake an absolute path: flake", () => {
    const dir = mkdtempSync(join(tmpdir(), "blixard-module-"));
    try {
      const module = join(dir, "web.nix");
      writeFileSync(module, "{ pkgs, ... }: { services.nginx.enable = true; }\n");
      const raw = specFromFlags({ name: "web", vcpus: 1, memoryMib: 512, nixosModule: [module] });
      expect(raw.ok && checkSpec(raw.value)).toMatchObject({ ok: true, value: { nixos: { kind: "modules", modules: ["{ pkgs, ... }: { services.nginx.enable = true; }\n"] } } });
      const missing = specFromFlags({ name: "web", vcpus: 1, memoryMib: 512, nixosModule: [join(dir, "nope.nix")] });
      expect(!missing.ok && missing.error.message).toBe(`--nixos-module ${join(dir, "nope.nix")} cannot be read: ENOENT`);
      const both = specFromFlags({ name: "web", vcpus: 1, memoryMib: 512, nixosModule: [module], runner: "/nix/store/x-runner" });
      const checked = both.ok ? checkSpec(both.value) : null;
      expect(checked !== null && !checked.ok && checked.error.issues.map((i) => i.message)).toEqual(["nixos must set exactly one of modules, flake or runner, got modules and runner"]);
      const runner = specFromFlags({ name: "web", vcpus: 1, memoryMib: 512, runner: "/nix/store/x-runner" });
      expect(runner.ok && runner.value["nixos"]).toEqual({ runner: "/nix/store/x-runner" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(flakeRef("./vms#web", "/home/me")).toBe("path:/home/me/vms#nixosConfigurations.web");
    expect(flakeRef("path:../infra#nixosConfigurations.db", "/home/me/x")).toBe("path:/home/me/infra#nixosConfigurations.db");
    expect(flakeRef("github:me/infra#web", "/home/me")).toBe("github:me/infra#nixosConfigurations.web");
  });

  it("a bad --restart is a usage error naming the accepted forms", () => {
    const parsed = parseRestart("sometimes");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain("--restart must be always, never, on-failure or on-failure:N");
    expect(flakeRef("github:o/r#nixosConfigurations.x")).toBe("github:o/r#nixosConfigurations.x");
  });

  it("every spec problem comes back with its field path", () => {
    const raw = specFromFlags({ name: "Web", vcpus: 0, memoryMib: 512, kernel: "relative/vmlinuz" });
    if (!raw.ok) throw new Error(raw.error.message);
    const spec = checkSpec(raw.value);
    expect(spec.ok).toBe(false);
    if (spec.ok) return;
    expect(spec.error.issues.map((i) => i.path).sort()).toEqual(["kernel.kernelPath", "name", "vcpus"]);
  });

  it("a spec file that is not JSON, not an object, missing, or too big is refused with the reason", () => {
    const reason = (path: string) => {
      const read = readSpecFile(path, undefined);
      return read.ok ? "" : read.error.message;
    };
    expect(reason(file("broken.json", '{"name": "x",'))).toMatch(/broken\.json is not valid JSON/);
    expect(reason(file("list.json", "[1, 2]"))).toContain("must hold one JSON object");
    expect(reason(join(dir, "absent.json"))).toContain("cannot be read: ENOENT");
    expect(reason(file("big.json", " ".repeat(SPEC_FILE_BYTES_MAX + 1)))).toContain(`a spec file may hold at most ${SPEC_FILE_BYTES_MAX}`);
  });

  it("a spec file's name is overridden by the positional name", () => {
    const read = readSpecFile(file("ok.json", JSON.stringify({ name: "a", vcpus: 1, memoryMib: 128 })), "b");
    expect(read.ok && read.value["name"]).toBe("b");
  });
});

describe("tables", () => {
  it("pad columns to the widest cell and flatten newlines, without colour when off", () => {
    const lines = renderTable(["name", "status"], [["web", "running"], ["a\nb", "x"]], { json: false, color: false });
    expect(lines).toEqual(["NAME  STATUS", "web   running", "a b   x"]);
  });
});
