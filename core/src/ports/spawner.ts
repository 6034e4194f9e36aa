/**
 * Starts and stops VM processes (microvm.nix runners, qemu, or a test process).
 * Events arrive later through `onEvent`, never synchronously from `spawn`.
 */
export interface ProcessSpawner {
  spawn(spec: ProcessSpec, onEvent: (event: ProcessEvent) => void): ProcessHandle;
  /**
   * This host will not run the VM again (it was deleted, or placed elsewhere):
   * drop what it keeps for it (its state directory, volumes included, and any
   * tap left behind). Ignored while one of its processes lives. Optional: a
   * spawner that keeps nothing per VM has nothing to drop.
   */
  discard?(vmName: string): void;
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
  /** For microvm-nix: the runner's microvm-run, relative to the VM's state directory it runs in. */
  readonly argv: readonly string[];
  readonly vcpus: number;
  readonly memoryMib: number;
  readonly env?: Readonly<Record<string, string>>;
  /** microvm-nix only: how the runner comes to be and what the host does around it. */
  readonly microvm?: MicrovmLaunch;
}

/**
 * A microvm.nix VM as the spawner drives it, in the VM's own state directory
 * (the layout of microvm.nix's host tooling: `current` links the runner).
 * Before each start the runner is made (built from a generated flake, or
 * linked from a prebuilt store path); then the host-side steps the runner
 * ships run (bin/tap-up, then each tap joins its bridge; bin/virtiofsd-run),
 * then bin/microvm-run; a stop runs bin/microvm-shutdown where the runner has
 * one, then signals.
 */
export interface MicrovmLaunch {
  /** The VM's name: its state directory's name. */
  readonly name: string;
  readonly runner: MicrovmRunnerSource;
  /** Host bridges the runner's taps join after bin/tap-up (vm network allocation). */
  readonly tapBridges: readonly { readonly tapId: string; readonly bridge: string }[];
}

export type MicrovmRunnerSource =
  | {
      readonly kind: "build";
      /** The flake's files, relative to its directory (flake.nix first). */
      readonly files: readonly { readonly path: string; readonly text: string }[];
      /** Attribute to build inside the flake (…config.microvm.declaredRunner). */
      readonly attribute: string;
      /** The Nix CLI. */
      readonly nixCommand: string;
      /** A build still running after this long is stopped and the start fails. */
      readonly buildTimeoutMs: number;
    }
  | { readonly kind: "prebuilt"; readonly path: string };

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
  /** Before boot: what the launch is doing (building the runner, 3/17 derivations...). One line, bounded. */
  | { readonly kind: "progress"; readonly processId: string; readonly message: string }
  | {
      readonly kind: "exited";
      readonly processId: string;
      readonly exitCode: number | null;
      readonly signal: string | null;
      /** Killed because its fence (ProcessHandle.fenceUntil) passed. */
      readonly fenced?: boolean;
    }
  | { readonly kind: "spawn-failed"; readonly processId: string; readonly reason: string };
