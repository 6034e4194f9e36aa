import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlixardNode, defaultHostConfig, defaultNodeConfig, defaultSupervisorConfig, hostServices, type Tracer, type VmRecord } from "@blixard/core";
import { createRealRuntime, type RealRuntime } from "@blixard/runtime-real";
import { BlixardClient } from "../src/client/blixard-client";
import { clusterOp, getVm, setDesired, waitForVm } from "../src/client/cluster-ops";
import { makeFakeRunner } from "../../runtime-real/test/fake-microvm-runner";
import { makeFakeNix } from "../../runtime-real/test/fake-nix";

/**
 * One real node with the microvm-nix backend, driven through the client API:
 * a VM is built (a stand-in `nix build` of the generated flake, which links a
 * runner laid out as microvm.nix builds one) and runs; an updated spec is
 * rebuilt and restarted by the reconciler with no other step (the guest sees
 * the new memory size in its generated module); a deleted VM leaves no
 * process, tap or state directory behind.
 */
const silent: Tracer = { event: () => {}, warn: () => {} };
const IS_ROOT = process.getuid?.() === 0 && existsSync("/dev/net/tun");
const SETTLE_MS = 30_000;

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("microvm-nix on a real node: spec changes and deletion", () => {
  let dir = "";
  let runtime: RealRuntime;
  let node: BlixardNode;
  let client: BlixardClient;
  const tap = { id: `bxn${Math.random().toString(36).slice(2, 7)}`, mac: "02:00:00:00:01:01" };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "blixard-microvm-node-"));
    // The stand-in hypervisor prints the memory size Blixard's module gave the guest, read from the generated flake it was built from.
    const runner = makeFakeRunner({
      dir,
      name: "web",
      run: { kind: "qmp-stand-in", preamble: `echo "guest $(grep -o 'mem = lib.mkForce [0-9]*' flake-src/blixard.nix)"` },
      taps: IS_ROOT ? [tap] : [],
    });
    const nixCommand = makeFakeNix({ dir, runner });
    runtime = await createRealRuntime({ nodeId: "solo", dataDir: join(dir, "data"), listen: { host: "127.0.0.1", port: 0 }, peers: {}, tracer: silent });
    const host = {
      ...defaultHostConfig("solo", "microvm-nix" as const),
      launchOptions: { microvmNix: { nixpkgsFlake: "github:NixOS/nixpkgs/nixos-24.11", microvmFlake: "github:astro/microvm.nix", system: "x86_64-linux", nixCommand, buildTimeoutMs: 30_000 } },
      stopGraceMs: 15_000,
    };
    node = new BlixardNode(runtime, defaultNodeConfig("solo", ["solo"]), { services: hostServices(host, defaultSupervisorConfig()) });
    const started = node.start();
    if (!started.ok) throw new Error(started.error.message);
    const connected = await BlixardClient.connect({ endpoints: [{ nodeId: null, url: runtime.url }], clusterId: "blixard", timeoutMs: 5_000 });
    if (!connected.ok) throw new Error(connected.error.message);
    client = connected.value;
  });

  afterAll(async () => {
    await client?.close();
    node?.stop();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stateDir = () => join(dir, "data", "vms", "web");
  const consoleLog = () => (existsSync(join(stateDir(), "console.log")) ? readFileSync(join(stateDir(), "console.log"), "utf8") : "");
  const builds = () => readFileSync(join(dir, "fake-nix.calls"), "utf8").trim().split("\n").length;
  const spec = (memoryMib: number) => ({
    name: "web",
    vcpus: 1,
    memoryMib,
    interfaces: IS_ROOT ? [{ type: "tap", ...tap }] : [],
    nixos: { modules: ["{ ... }: { services.getty.autologinUser = \"root\"; }"] },
    restartPolicy: { kind: "always" },
  });
  const running = (vm: VmRecord) => vm.status === "running";

  it("builds and runs the VM; a changed spec is rebuilt and restarted by the reconciler alone", async () => {
    const created = await clusterOp(client, { type: "create-vm", spec: spec(256), desired: "running" });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    const up = await waitForVm(client, "web", running, SETTLE_MS);
    expect(up.ok && up.value.status, JSON.stringify(up)).toBe("running");
    expect(consoleLog()).toContain("guest mem = lib.mkForce 256");
    expect(builds()).toBe(1);
    if (IS_ROOT) expect(existsSync(`/sys/class/net/${tap.id}`)).toBe(true);
    const firstPid = Number(readFileSync(join(stateDir(), "web.pid"), "utf8"));

    const updated = await clusterOp(client, { type: "update-vm", spec: spec(320) });
    expect(updated.ok, JSON.stringify(updated)).toBe(true);
    const deadline = performance.now() + SETTLE_MS;
    while (performance.now() < deadline && !consoleLog().includes("guest mem = lib.mkForce 320")) await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await waitForVm(client, "web", running, SETTLE_MS);
    expect(again.ok && again.value.status).toBe("running");
    expect(consoleLog()).toContain("guest mem = lib.mkForce 320");
    expect(builds()).toBe(2);
    // The old instance went down through microvm-shutdown, and is gone.
    expect(existsSync(join(stateDir(), "shutdown-ran"))).toBe(true);
    expect(isRunning(firstPid)).toBe(false);
    expect(again.ok && again.value.history.map((t) => t.to).includes("stopping")).toBe(true);
  });

  it("a deleted VM leaves no process, no tap and no state directory", async () => {
    const pid = Number(readFileSync(join(stateDir(), "web.pid"), "utf8"));
    expect(isRunning(pid)).toBe(true);
    expect((await setDesired(client, "web", "deleted")).ok).toBe(true);
    const deadline = performance.now() + SETTLE_MS;
    while (performance.now() < deadline && (existsSync(stateDir()) || (await getVm(client, "web")).ok)) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await getVm(client, "web")).ok).toBe(false);
    expect(existsSync(stateDir())).toBe(false);
    expect(isRunning(pid)).toBe(false);
    if (IS_ROOT) expect(existsSync(`/sys/class/net/${tap.id}`)).toBe(false);
    expect(runtime.spawner.liveProcessCount()).toBe(0);
  });
});
