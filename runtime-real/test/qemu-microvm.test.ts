import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProcessEvent } from "@blixard/core";
import { ChildProcessSpawner } from "../src/child-process-spawner";
import { busyboxInitramfs } from "../src/qemu/initramfs";
import { PROBE_INIT_SCRIPT, probeAccel, tinyMicrovmLaunch } from "../src/qemu/probe-accel";
import { RecordingTracer, waitFor } from "./helpers";

/**
 * Boots a real microVM: qemu -M microvm -accel tcg, a stock kernel and a
 * busybox initramfs built here. Slow (~5-10 s) so it runs only with
 * BLIXARD_QEMU_TESTS=1 (apt: qemu-system-x86 busybox-static linux-image-amd64).
 */
const QEMU = "/usr/bin/qemu-system-x86_64";
const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((path) => existsSync(path));
const KERNEL = process.env.BLIXARD_KERNEL ?? findKernel();
const enabled = process.env.BLIXARD_QEMU_TESTS === "1";
const missing = [!existsSync(QEMU) && QEMU, BUSYBOX === undefined && "busybox", KERNEL === undefined && "/boot/vmlinuz-*"].filter(Boolean);
const skipReason = !enabled ? "set BLIXARD_QEMU_TESTS=1 to run" : missing.length > 0 ? `missing ${missing.join(", ")}` : "";

function findKernel(): string | undefined {
  if (!existsSync("/boot")) return undefined;
  const kernel = readdirSync("/boot").filter((name) => name.startsWith("vmlinuz-")).sort().at(-1);
  return kernel === undefined ? undefined : join("/boot", kernel);
}

describe(`qemu-direct microVM boot${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it.skipIf(skipReason !== "")("boots a busybox initramfs under -M microvm -accel tcg to booted, then it powers off", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blixard-qemu-"));
    const spawner = new ChildProcessSpawner({ nodeId: "n1", tracer: new RecordingTracer(), stopGraceMs: 1_000 });
    try {
      const initrdPath = join(dir, "initrd.cpio");
      writeFileSync(initrdPath, busyboxInitramfs({ busyboxPath: BUSYBOX!, initScript: PROBE_INIT_SCRIPT }));
      const launch = tinyMicrovmLaunch({ qemuBinary: QEMU, accel: "tcg", kernelPath: KERNEL!, initrdPath, memoryMib: 256, vcpus: 1 });
      const events: ProcessEvent[] = [];
      const startedAtMs = performance.now();
      let bootedAtMs = 0;
      spawner.spawn({ vmName: "tiny", generation: 1, launch }, (event) => {
        if (event.kind === "booted") bootedAtMs = performance.now();
        events.push(event);
      });
      const finished = () => events.some((event) => event.kind === "exited" || event.kind === "spawn-failed");
      await waitFor(finished, 60_000, 50).catch(() => {
        const tail = events.slice(-8).map((event) => (event.kind === "output" ? event.line : event.kind));
        throw new Error(`microVM did not exit within 60 s; last events:\n${tail.join("\n")}`);
      });
      const exitedAtMs = performance.now();
      console.info(`qemu tcg microVM: booted after ${Math.round(bootedAtMs - startedAtMs)} ms, exited after ${Math.round(exitedAtMs - startedAtMs)} ms`);
      const kinds = events.map((event) => event.kind);
      expect(kinds[0]).toBe("started");
      expect(kinds).toContain("booted");
      expect(events.some((event) => event.kind === "output" && event.line.includes("Run /init as init process"))).toBe(true);
      expect(events.at(-1)).toMatchObject({ kind: "exited", exitCode: 0, signal: null });
    } finally {
      await spawner.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(skipReason !== "")("probeAccel boots with KVM or falls back to tcg, saying why", async () => {
    const probe = await probeAccel({ kernelPath: KERNEL!, busyboxPath: BUSYBOX!, qemuBinary: QEMU, kvmBootTimeoutMs: 5_000, tracer: new RecordingTracer() });
    console.info(`probeAccel: ${probe.accel} (${probe.reason})`);
    expect(["kvm", "tcg"]).toContain(probe.accel);
    expect(probe.reason).toMatch(probe.accel === "kvm" ? /booted in \d+ ms/ : /KVM boot failed|not usable/);
  });
});
