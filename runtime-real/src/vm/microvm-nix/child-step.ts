import type { ProcessEvent } from "@blixard/core";
import type { ChildRecord } from "../../child-record";
import type { ChildLaunch } from "../../child-process-spawner";

/** How one short-lived child (a build, bin/tap-up, microvm-shutdown...) ended. */
export type StepResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** What went wrong, with the end of the child's output. */
      readonly reason: string;
      readonly timedOut: boolean;
      /** It was killed because its fence passed. */
      readonly fenced: boolean;
    };

export interface StepOptions {
  readonly name: string;
  readonly processId: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Each output line, as the child prints it (for a build's progress). */
  readonly onLine?: (line: string) => void;
  /** Why it failed, from its output; default: its last output lines. */
  readonly explain?: (tail: readonly string[]) => string;
}

const TAIL_LINES = 12;

/**
 * Run one child to its end, bounded by `timeoutMs` (then it is killed).
 * `start` starts it (the spawner's startChild, fenced and in its own process
 * group); `track` learns of it so a stop, a kill or a fence reaches it.
 */
export function runStep(
  options: StepOptions,
  start: (launch: ChildLaunch) => ChildRecord | string,
  track: (child: ChildRecord | null) => void,
): Promise<StepResult> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const onEvent = (event: ProcessEvent) => {
      if (event.kind === "output") {
        options.onLine?.(event.line);
        tail.push(event.line);
        if (tail.length > TAIL_LINES) tail.shift();
      } else if (event.kind === "exited" || event.kind === "spawn-failed") {
        if (timer !== undefined) clearTimeout(timer);
        track(null);
        resolve(outcome(event));
      }
    };
    const outcome = (event: Extract<ProcessEvent, { kind: "exited" | "spawn-failed" }>): StepResult => {
      if (event.kind === "exited" && event.exitCode === 0 && !timedOut) return { ok: true };
      const fenced = event.kind === "exited" && event.fenced === true;
      const how = timedOut
        ? `did not finish within ${Math.round(options.timeoutMs / 1000)} s`
        : event.kind === "spawn-failed"
          ? `could not start: ${event.reason}`
          : event.exitCode !== null ? `failed with exit code ${event.exitCode}` : `was killed by ${event.signal ?? "a signal"}`;
      const detail = (options.explain ?? ((lines) => lines.join("\n")))(tail);
      return { ok: false, reason: `${options.name} ${how}${detail.trim() === "" ? "" : `:\n${detail}`}`, timedOut, fenced };
    };
    const child = start({ processId: options.processId, argv: options.argv, cwd: options.cwd, env: options.env, readyPattern: undefined, onEvent });
    if (typeof child === "string") {
      resolve({ ok: false, reason: `${options.name} could not start: ${child}`, timedOut: false, fenced: false });
      return;
    }
    track(child);
    timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, options.timeoutMs);
  });
}
