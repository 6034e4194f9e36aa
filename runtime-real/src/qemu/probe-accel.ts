import { constants, accessSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LaunchSpec, ProcessEvent, Tracer } from "@blixard/core";
import { ChildProcessSpawner, READY_PATTERN_ENV } from "../child-process-spawner";
import { busyboxInitramfs } from "./initramfs";

/**
 * Which accelerator this host can really boot a guest with. /dev/kvm existing
 * is not enough (nested or restricted KVM may hang a stock kernel), so the probe
 * boots a busybox initramfs under -M microvm with -accel kvm and falls back to
 * tcg if it does not print its marker in time.
 */
export interface AccelProbeOptions {
  readonly kernelPath: string;
  readonly busyboxPath: string;
  readonly qemuBinary?: string;
  /** How long the KVM boot may take before KVM is declared unusable. */
  readonly kvmBootTimeoutMs?: number;
  readonly tracer: Tracer;
}

export interface AccelProbe {
  readonly accel: "kvm" | "tcg";
  /** Why: the KVM boot time, or what went wrong with KVM. */
  readonly reason: string;
}

export const PROBE_READY_MARKER = "BLIXARD_READY";

export interface TinyMicrovm {
  readonly qemuBinary: string;
  readonly accel: "kvm" | "tcg";
  readonly kernelPath: string;
  readonly initrdPath: string;
  readonly memoryMib: number;
  readonly vcpus: number;
}

/**
 * Kernel command line. The timing options matter: under TCG on a loaded host
 * the kernel's TSC/PIT calibration can fail and the boot stall for minutes, so
 * the TSC rate and loops-per-jiffy are given instead of measured.
 */
const TINY_GUEST_CMDLINE = "console=ttyS0 rdinit=/init panic=-1 tsc_early_khz=2000000 lpj=8000000 no_timer_check";

/** qemu-direct launch for a serial-console microvm guest that powers off by itself. */
export function tinyMicrovmLaunch(vm: TinyMicrovm): LaunchSpec {
  return {
    backend: "qemu-direct",
    argv: [
      vm.qemuBinary, "-M", "microvm", "-accel", vm.accel, "-m", String(vm.memoryMib), "-smp", String(vm.vcpus),
      "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot",
      "-kernel", vm.kernelPath, "-initrd", vm.initrdPath, "-append", TINY_GUEST_CMDLINE,
    ],
    vcpus: vm.vcpus,
    memoryMib: vm.memoryMib,
    env: { [READY_PATTERN_ENV]: PROBE_READY_MARKER },
  };
}

export const PROBE_INIT_SCRIPT = `/bin/busybox mount -t proc proc /proc\necho ${PROBE_READY_MARKER}\n/bin/busybox poweroff -f\n`;

export async function probeAccel(options: AccelProbeOptions): Promise<AccelProbe> {
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch (error) {
    return { accel: "tcg", reason: `/dev/kvm is not usable: ${(error as Error).message}` };
  }
  const dir = mkdtempSync(join(tmpdir(), "blixard-accel-probe-"));
  const spawner = new ChildProcessSpawner({ nodeId: "accel-probe", tracer: options.tracer, stopGraceMs: 500 });
  try {
    const initrdPath = join(dir, "initrd.cpio");
    writeFileSync(initrdPath, busyboxInitramfs({ busyboxPath: options.busyboxPath, initScript: PROBE_INIT_SCRIPT }));
    const launch = tinyMicrovmLaunch({
      qemuBinary: options.qemuBinary ?? "qemu-system-x86_64", accel: "kvm", kernelPath: options.kernelPath, initrdPath, memoryMib: 128, vcpus: 1,
    });
    const timeoutMs = options.kvmBootTimeoutMs ?? 5_000;
    const startedAtMs = performance.now();
    const outcome = await new Promise<Extract<ProcessEvent, { kind: "booted" | "exited" | "spawn-failed" }> | "timeout">((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), timeoutMs);
      spawner.spawn({ vmName: "accel-probe", generation: 0, launch }, (event) => {
        if (event.kind === "booted" || event.kind === "exited" || event.kind === "spawn-failed") {
          clearTimeout(timer);
          resolve(event);
        }
      });
    });
    const elapsedMs = Math.round(performance.now() - startedAtMs);
    if (outcome === "timeout") return { accel: "tcg", reason: `KVM boot failed: no boot marker within ${timeoutMs} ms` };
    if (outcome.kind === "booted") return { accel: "kvm", reason: `KVM guest booted in ${elapsedMs} ms` };
    if (outcome.kind === "exited") return { accel: "tcg", reason: `KVM boot failed: qemu exited (code ${outcome.exitCode}, signal ${outcome.signal})` };
    return { accel: "tcg", reason: `KVM boot failed: ${outcome.reason}` };
  } finally {
    await spawner.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
