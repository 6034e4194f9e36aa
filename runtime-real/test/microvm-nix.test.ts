import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { launchSpecFor, validateVmSpec, type LaunchSpec, type ProcessEvent, type VmNetwork } from "@blixard/core";
import { ChildProcessSpawner } from "../src/child-process-spawner";
import { FenceClock } from "../src/fence-watchdog";
import { makeFakeRunner, type FakeRunnerOptions } from "./fake-microvm-runner";
import { makeFakeNix } from "./fake-nix";
import { makeTempDir, RecordingTracer, sleep, waitFor } from "./helpers";

/**
 * The microvm-nix backend's run/stop path against runner directories laid
 * out as microvm.nix builds them (fake-microvm-runner.ts), with a stand-in
 * hypervisor that serves QMP on the runner's control socket: cheap enough
 * for every case. microvm-nix-qemu.test.ts boots the real test guest.
 */
const IS_ROOT = process.getuid?.() === 0 && existsSync("/dev/net/tun");

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function pidIn(path: string): number {
  return Number(readFileSync(path, "utf8").trim());
}

describe("microvm-nix backend (runner directories as microvm.nix builds them)", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setup(options: { stopGraceMs?: number; shutdownTimeoutMs?: number } = {}) {
    const temp = makeTempDir("microvm-nix");
    const tracer = new RecordingTracer();
    const vms = join(temp.dir, "vms");
    const spawner = new ChildProcessSpawner({
      nodeId: "n1",
      tracer,
      vmStateRoot: vms,
      stopGraceMs: options.stopGraceMs ?? 1_000,
      microvm: { shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000, progressIntervalMs: 0 },
    });
    cleanups.push(temp.remove, () => spawner.close());
    const runner = (opts: Omit<FakeRunnerOptions, "dir" | "name"> & { name?: string }) => makeFakeRunner({ dir: temp.dir, name: "web", ...opts });
    const launch = (spec: Record<string, unknown>, nix?: { nixCommand: string; buildTimeoutMs?: number }, network?: VmNetwork): LaunchSpec => {
      const valid = validateVmSpec({ name: "web", vcpus: 1, memoryMib: 256, ...spec });
      if (!valid.ok) throw new Error(valid.error.message);
      const microvmNix = { nixpkgsFlake: "github:NixOS/nixpkgs/nixos-24.11", microvmFlake: "github:astro/microvm.nix", system: "x86_64-linux", nixCommand: nix?.nixCommand ?? "nix", buildTimeoutMs: nix?.buildTimeoutMs ?? 60_000 };
      const r = launchSpecFor(valid.value, "microvm-nix", { microvmNix }, network ?? null);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const run = (spec: LaunchSpec) => {
      const events: ProcessEvent[] = [];
      const handle = spawner.spawn({ vmName: "web", generation: 1, launch: spec }, (event) => events.push(event));
      const terminal = () => events.find((event) => event.kind === "exited" || event.kind === "spawn-failed");
      const has = (kind: ProcessEvent["kind"]) => events.some((event) => event.kind === kind);
      return { handle, events, terminal, has };
    };
    return { temp, tracer, vms, stateDir: join(vms, "web"), spawner, runner, launch, run };
  }

  it("builds the generated flake with flakes enabled, reports progress, runs microvm-run in the state directory and stops through microvm-shutdown", async () => {
    const { temp, stateDir, runner, launch, run, spawner } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" } });
    const nix = makeFakeNix({ dir: temp.dir, runner: runnerDir });
    const vm = run(launch({ nixos: { modules: ["{ ... }: { }"] } }, { nixCommand: nix }));
    await waitFor(() => vm.has("booted") || vm.terminal() !== undefined, 20_000, 20);
    expect(vm.terminal()).toBeUndefined();
    const progress = vm.events.flatMap((event) => (event.kind === "progress" ? [event.message] : []));
    expect(progress[0]).toBe("building runner: evaluating");
    expect(progress).toContain("building runner: 0/3 derivations built, 5/12 paths fetched; now: linux-6.6");
    expect(progress.at(-1)).toBe("building runner: 3/3 derivations built, 12/12 paths fetched");
    // The state directory as microvm.nix's host tooling lays it out.
    expect(readlinkSync(join(stateDir, "current"))).toBe(runnerDir);
    expect(readlinkSync(join(stateDir, "booted"))).toBe(runnerDir);
    expect(readFileSync(join(stateDir, "flake"), "utf8")).toBe(`path:${join(stateDir, "flake-src")}\n`);
    expect(["flake.nix", "blixard.nix", "modules/0.nix"].every((file) => existsSync(join(stateDir, "flake-src", file)))).toBe(true);
    expect(existsSync(join(stateDir, "web.sock"))).toBe(true);
    expect(readFileSync(join(stateDir, "build.log"), "utf8")).toContain('"type":104');
    const calls = readFileSync(join(temp.dir, "fake-nix.calls"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as string[]);
    expect(calls).toEqual([[
      "--extra-experimental-features", "nix-command flakes", "build", "--out-link", join(stateDir, "current"), "--log-format", "internal-json", "-v",
      `path:${join(stateDir, "flake-src")}#nixosConfigurations.web.config.microvm.declaredRunner`,
    ]]);
    const hypervisorPid = pidIn(join(stateDir, "web.pid"));

    vm.handle.stop();
    await waitFor(() => vm.terminal() !== undefined, 10_000, 20);
    // microvm-shutdown reset the guest through QMP: the hypervisor ended by itself, with 0, before any signal.
    expect(existsSync(join(stateDir, "shutdown-ran"))).toBe(true);
    expect(vm.terminal()).toEqual({ kind: "exited", processId: vm.handle.processId, exitCode: 0, signal: null });
    expect(vm.events.some((event) => event.kind === "output" && event.line === "reboot: Restarting system")).toBe(true);
    expect(readFileSync(join(stateDir, "console.log"), "utf8")).toMatch(/starting .*runner-web[\s\S]*BLIXARD_READY\n[\s\S]*reboot: Restarting system\n/);
    expect(isRunning(hypervisorPid)).toBe(false);
    expect(existsSync(join(stateDir, "booted"))).toBe(false);
    expect(existsSync(join(stateDir, "current"))).toBe(true);
    expect(spawner.liveProcessCount()).toBe(0);
  });

  it("a failed build is a failed start with Nix's own error", async () => {
    const { temp, runner, launch, run } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" } });
    const failing = makeFakeNix({ dir: temp.dir, runner: runnerDir, fail: "error: attribute 'declaredRunner' missing" });
    const failed = run(launch({ nixos: { modules: ["{ ... }: { }"] } }, { nixCommand: failing }));
    await waitFor(() => failed.terminal() !== undefined, 10_000, 20);
    expect(failed.terminal()).toEqual({
      kind: "spawn-failed",
      processId: failed.handle.processId,
      reason: "nix build of the runner failed with exit code 1:\nerror: attribute 'declaredRunner' missing",
    });
  });

  it("a build past its timeout is killed and the start fails; a stop during a build ends it as a stop", async () => {
    const { temp, runner, launch, run } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" } });
    const slow = makeFakeNix({ dir: temp.dir, runner: runnerDir, sleepS: 30 });
    const timedOut = run(launch({ nixos: { modules: ["{ ... }: { }"] } }, { nixCommand: slow, buildTimeoutMs: 1_500 }));
    await waitFor(() => timedOut.terminal() !== undefined, 15_000, 20);
    expect(timedOut.terminal()).toMatchObject({ kind: "spawn-failed", reason: expect.stringMatching(/^nix build of the runner did not finish within 2 s/) });

    const stopped = run(launch({ nixos: { modules: ["{ ... }: { }"] } }, { nixCommand: slow }));
    await waitFor(() => stopped.events.some((event) => event.kind === "progress"), 10_000, 20);
    await sleep(300);
    stopped.handle.stop();
    await waitFor(() => stopped.terminal() !== undefined, 10_000, 20);
    expect(stopped.terminal()).toMatchObject({ kind: "exited", exitCode: null, signal: "SIGTERM" });
    expect(stopped.has("booted")).toBe(false);
  });

  it("a prebuilt runner is linked as current; one that is not a runner fails the start, naming what is missing", async () => {
    const { temp, stateDir, runner, launch, run } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" }, shutdown: false });
    const vm = run(launch({ nixos: { runner: runnerDir } }));
    await waitFor(() => vm.has("booted"), 10_000, 20);
    expect(readlinkSync(join(stateDir, "current"))).toBe(runnerDir);
    // No microvm-shutdown (kvmtool, stratovirt, alioth): SIGTERM.
    vm.handle.stop();
    await waitFor(() => vm.terminal() !== undefined, 10_000, 20);
    expect(vm.terminal()).toMatchObject({ kind: "exited", signal: "SIGTERM" });
    expect(existsSync(join(stateDir, "shutdown-ran"))).toBe(false);

    const missing = run(launch({ nixos: { runner: join(temp.dir, "no-such-runner") } }));
    await waitFor(() => missing.terminal() !== undefined, 10_000, 20);
    expect(missing.terminal()).toMatchObject({ kind: "spawn-failed", reason: `nixos.runner: ${join(temp.dir, "no-such-runner")} is not a microvm.nix runner: bin/microvm-run is missing or not executable` });
  });

  it.skipIf(!IS_ROOT)("bin/tap-up and virtiofsd-run run before microvm-run, each tap joins its bridge; after the VM virtiofsd stops and tap-down leaves no tap", async () => {
    const { runner, launch, run, stateDir, tracer } = setup();
    const suffix = Math.random().toString(36).slice(2, 7);
    const tap = `bxt${suffix}`;
    const bridge = `bxb${suffix}`;
    const { execFileSync } = await import("node:child_process");
    execFileSync("ip", ["link", "add", bridge, "type", "bridge"]);
    cleanups.push(() => void execFileSync("ip", ["link", "delete", bridge]));
    const runnerDir = runner({ run: { kind: "qmp-stand-in" }, taps: [{ id: tap, mac: "02:00:00:00:00:07" }], virtiofsTags: ["data"] });
    const network: VmNetwork = { interfaces: [{ type: "tap", id: tap, mac: "02:00:00:00:00:07", ipv4: null, bridge }], dnsIpv4: [] };
    const vm = run(launch({ nixos: { runner: runnerDir } }, undefined, network));
    await waitFor(() => vm.has("booted") || vm.terminal() !== undefined, 15_000, 20);
    expect(vm.terminal(), JSON.stringify(tracer.records.slice(-5))).toBeUndefined();
    expect(existsSync(`/sys/class/net/${tap}`)).toBe(true);
    expect(readlinkSync(`/sys/class/net/${tap}/master`)).toMatch(new RegExp(`/${bridge}$`));
    const virtiofsdPid = pidIn(join(stateDir, "virtiofsd.pid"));
    expect(isRunning(virtiofsdPid)).toBe(true);

    vm.handle.stop();
    await waitFor(() => vm.terminal() !== undefined, 10_000, 20);
    expect(vm.terminal()).toMatchObject({ kind: "exited", exitCode: 0 });
    expect(existsSync(`/sys/class/net/${tap}`)).toBe(false);
    expect(isRunning(virtiofsdPid)).toBe(false);
    expect(existsSync(join(stateDir, "web-virtiofs-data.sock"))).toBe(false);
  });

  it.skipIf(FenceClock.probe() === null)("a fence holds while the node is stalled: the watchdog kills the hypervisor and virtiofsd at the lease end", async () => {
    const { runner, launch, run, stateDir } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" }, virtiofsTags: ["data"] });
    const vm = run(launch({ nixos: { runner: runnerDir } }));
    await waitFor(() => vm.has("booted"), 15_000, 20);
    const hypervisorPid = pidIn(join(stateDir, "web.pid"));
    const virtiofsdPid = pidIn(join(stateDir, "virtiofsd.pid"));
    vm.handle.fenceUntil(performance.now() + 200);
    // The node stalls (a busy loop: no timer here can fire) past the fence and the watchdog's poll.
    const stalledUntil = performance.now() + 2_000;
    while (performance.now() < stalledUntil) {
      /* stalled */
    }
    expect(isRunning(hypervisorPid)).toBe(false);
    expect(isRunning(virtiofsdPid)).toBe(false);
    await waitFor(() => vm.terminal() !== undefined, 10_000, 20);
    expect(vm.terminal()).toMatchObject({ kind: "exited", fenced: true });
  });

  it("discard deletes a VM's state directory, volumes and all, and never one whose VM still runs", async () => {
    const { runner, launch, run, stateDir, spawner } = setup();
    const runnerDir = runner({ run: { kind: "qmp-stand-in" } });
    const vm = run(launch({ nixos: { runner: runnerDir } }));
    await waitFor(() => vm.has("booted"), 15_000, 20);
    spawner.discard("web");
    await sleep(200);
    expect(existsSync(stateDir)).toBe(true);
    vm.handle.stop();
    await waitFor(() => vm.terminal() !== undefined, 10_000, 20);
    spawner.discard("web");
    await waitFor(() => !existsSync(stateDir), 5_000, 20);
  });
});
