/**
 * Starts and stops VM processes (microvm.nix runners, qemu, or a test process).
 * Events arrive later through `onEvent`, never synchronously from `spawn`.
 */
export interface ProcessSpawner {
  spawn(spec: ProcessSpec, onEvent: (event: ProcessEvent) => void): ProcessHandle;
}

export interface ProcessSpec {
  /** VM name, used for logs and process identity. */
  readonly vmName: string;
  /** Placement generation: distinguishes two incarnations of the same VM. */
  readonly generation: number;
  /** Backend-specific launch description (argv, runner path, memory...). Opaque to the spawner port. */
  readonly launch: LaunchSpec;
}

export interface LaunchSpec {
  readonly backend: "microvm-nix" | "qemu-direct" | "process" | "sim";
  readonly argv: readonly string[];
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessHandle {
  /** Runtime-assigned process id, unique per spawner. */
  readonly processId: string;
  /** Ask the process to shut down cleanly (ACPI power-off / SIGTERM). */
  stop(): void;
  /** Kill it now (SIGKILL). */
  kill(): void;
  /**
   * The process must not outlive this instant of the host's monotonic clock
   * (Clock.monotonicMs): the spawner kills it then, unless a later call moves
   * the instant on. The host agent sets it to the end of its lease, so a VM
   * stops in time even when the agent itself is stalled (paused, swapping,
   * stopped in a debugger) and cannot kill it. The exit then arrives with
   * `fenced: true`.
   */
  fenceUntil(monotonicMs: number): void;
}

export type ProcessEvent =
  | { readonly kind: "started"; readonly processId: string }
  | { readonly kind: "booted"; readonly processId: string }
  | { readonly kind: "output"; readonly processId: string; readonly line: string }
  | {
      readonly kind: "exited";
      readonly processId: string;
      readonly exitCode: number | null;
      readonly signal: string | null;
      /** Killed because its fence (ProcessHandle.fenceUntil) passed. */
      readonly fenced?: boolean;
    }
  | { readonly kind: "spawn-failed"; readonly processId: string; readonly reason: string };
