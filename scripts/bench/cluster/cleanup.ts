/**
 * Everything a bench started, stopped once whichever way it ends: normally,
 * by an exception, or by Ctrl-C / SIGTERM. Stoppers kill only processes the
 * bench started, by their recorded pids.
 */
export class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];
  private done: Promise<void> | null = null;

  constructor() {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: stopping every process this run started\n`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  /** Steps run in reverse order of registration (the last started stops first). */
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step();
        } catch (error) {
          process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    })();
    return this.done;
  }
}
