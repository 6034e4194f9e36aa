import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { launchSpecFor, validateVmSpec, type ProcessEvent, type VmNetwork } from "@blixard/core";
import { ChildProcessSpawner } from "../src/child-process-spawner";
import { busyboxInitramfs } from "../src/qemu/initramfs";
import { makeFakeRunner } from "./fake-microvm-runner";
import { makeFakeNix } from "./fake-nix";
import { makeTempDir, RecordingTracer, waitFor } from "./helpers";

/**
 * The microvm-nix backend end to end with a real guest: a runner directory
 * laid out as microvm.nix builds it (made by a stand-in `nix build` from the
 * generated flake), whose microvm-run starts QEMU as microvm.nix's qemu
 * runner does and boots the busybox test guest under TCG; a stop goes
 * through its microvm-shutdown (QMP Ctrl-Alt-Del), and nothing is left.
 * Needs qemu-system-x86, busybox-static and a kernel (scripts/setup.sh).
 */
const QEMU = "/usr/bin/qemu-system-x86_64";
// Debian's busybox-static, or the one on PATH (nix develop puts a static busybox there).
const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox", ...(process.env.PATH ?? "").split(":").map((dir) => join(dir, "busybox"))].find((path) => path.startsWith("/") && existsSync(path));
const KERNEL = process.env.BLIXARD_KERNEL ?? findKernel();
const missing = [!existsSync(QEMU) && QEMU, BUSYBOX === undefined && "busybox", KERNEL === undefined && "/boot/vmlinuz-*"].filter(Boolean);
const skipReason = missing.length > 0 ? `missing ${missing.join(", ")}` : "";
const IS_ROOT = process.getuid?.() === 0 && existsSync("/dev/net/tun");
const BOOT_WAIT_MS = 120_000;

function findKernel(): string | undefined {
  if (!existsSync("/boot")) return undefined;
  const kernel = readdirSync("/boot").filter((name) => name.startsWith("vmlinuz-")).sort().at(-1);
  return kernel === undefined ? undefined : join("/boot", kernel);
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const GUEST_INIT = "/bin/busybox mount -t proc proc /proc\necho BLIXARD_READY\nwhile true; do /bin/busybox sleep 1; done\n";

describe(`microvm-nix backend with the real test guest${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.skipIf(skipReason !== "")("builds, boots the guest through the runner's microvm-run, reads its console, and stops it with microvm-shutdown leaving nothing behind", async () => {
    const temp = makeTempDir("microvm-nix-qemu");
    const spawner = new ChildProcessSpawner({ nodeId: "n1", tracer: new RecordingTracer(), vmStateRoot: join(temp.dir, "vms"), stopGraceMs: 2_000 });
    cleanups.push(temp.remove, () => spawner.close());
    const initrd = join(temp.dir, "initrd.cpio");
    writeFileSync(initrd, busyboxInitramfs({ busyboxPath: BUSYBOX!, initScript: GUEST_INIT }));
    const tap = IS_ROOT ? [{ id: `bxq${Math.random().toString(36).slice(2, 7)}`, mac: "02:00:00:00:00:42" }] : [];
    const runnerDir = makeFakeRunner({ dir: temp.dir, name: "guest", run: { kind: "qemu", qemu: QEMU, kernel: KERNEL!, initrd }, taps: tap });
    const nix = makeFakeNix({ dir: temp.dir, runner: runnerDir });
    const spec = validateVmSpec({ name: "guest", vcpus: 1, memoryMib: 256, interfaces: tap.map((t) => ({ type: "tap", ...t })), nixos: { modules: ["{ ... }: { }"] } });
    if (!spec.ok) throw new Error(spec.error.message);
    const network: VmNetwork | null = tap.length === 0 ? null : { interfaces: [{ type: "tap", id: tap[0]!.id, mac: tap[0]!.mac, ipv4: { address: "10.99.0.2", prefixLength: 24, gateway: null }, bridge: null }], dnsIpv4: [] };
    const microvmNix = { nixpkgsFlake: "github:NixOS/nixpkgs/nixos-24.11", microvmFlake: "github:astro/microvm.nix", system: "x86_64-linux", nixCommand: nix, buildTimeoutMs: 60_000 };
    const launch = launchSpecFor(spec.value, "microvm-nix", { microvmNix }, network);
    if (!launch.ok) throw new Error(launch.error.message);

    const events: ProcessEvent[] = [];
    const startedAtMs = performance.now();
    const handle = spawner.spawn({ vmName: "guest", generation: 1, launch: launch.value }, (event) => events.push(event));
    const terminal = () => events.find((event) => event.kind === "exited" || event.kind === "spawn-failed");
    await waitFor(() => events.some((event) => event.kind === "booted") || terminal() !== undefined, BOOT_WAIT_MS, 50).catch(() => {
      throw new Error(`guest not ready within ${BOOT_WAIT_MS} ms; last output:\n${events.slice(-10).map((event) => JSON.stringify(event)).join("\n")}`);
    });
    const bootedAtMs = performance.now();
    expect(terminal(), JSON.stringify(terminal())).toBeUndefined();
    const stateDir = join(temp.dir, "vms", "guest");
    const qemuPid = Number(readFileSync(join(stateDir, "guest.pid"), "utf8"));
    expect(isRunning(qemuPid)).toBe(true);
    if (tap.length > 0) expect(existsSync(`/sys/class/net/${tap[0]!.id}`)).toBe(true);
    const console = readFileSync(join(stateDir, "console.log"), "utf8");
    expect(console).toContain("Run /init as init process");
    expect(console).toContain("BLIXARD_READY");
    // The generated guest module carries the allocated address for systemd-networkd.
    if (network !== null) expect(readFileSync(join(stateDir, "flake-src", "blixard.nix"), "utf8")).toContain('"10.99.0.2/24"');

    handle.stop();
    await waitFor(() => terminal() !== undefined, 60_000, 50);
    const stoppedAtMs = performance.now();
    process.stdout.write(`microvm-nix real guest: ready ${Math.round(bootedAtMs - startedAtMs)} ms after spawn, stopped ${Math.round(stoppedAtMs - bootedAtMs)} ms after stop()\n`);
    // Ctrl-Alt-Del through QMP reset the guest; with -no-reboot QEMU then exits 0 by itself.
    expect(existsSync(join(stateDir, "shutdown-ran"))).toBe(true);
    expect(terminal()).toEqual({ kind: "exited", processId: handle.processId, exitCode: 0, signal: null });
    expect(readFileSync(join(stateDir, "console.log"), "utf8")).toContain("reboot: Restarting system");
    expect(isRunning(qemuPid)).toBe(false);
    if (tap.length > 0) expect(existsSync(`/sys/class/net/${tap[0]!.id}`)).toBe(false);
    expect(existsSync(join(stateDir, "booted"))).toBe(false);
    expect(spawner.liveProcessCount()).toBe(0);
  });
});
