import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TraceFields, Tracer } from "@blixard/core";

/** Tracer double that keeps every record for assertions. */
export class RecordingTracer implements Tracer {
  readonly records: { level: "event" | "warn"; kind: string; fields: TraceFields }[] = [];
  event(kind: string, fields: TraceFields = {}): void {
    this.records.push({ level: "event", kind, fields });
  }
  warn(kind: string, fields: TraceFields = {}): void {
    this.records.push({ level: "warn", kind, fields });
  }
  kinds(): string[] {
    return this.records.map((record) => record.kind);
  }
  find(kind: string): TraceFields | undefined {
    return this.records.find((record) => record.kind === kind)?.fields;
  }
}

export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `blixard-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Poll `condition` every `stepMs` until true or `timeoutMs` passes (bounded loop). */
export async function waitFor(condition: () => boolean, timeoutMs = 3_000, stepMs = 5): Promise<void> {
  const rounds = Math.ceil(timeoutMs / stepMs);
  for (let round = 0; round < rounds; round++) {
    if (condition()) return;
    await sleep(stepMs);
  }
  if (!condition()) throw new Error(`condition not met within ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array | undefined): string | undefined => (data === undefined ? undefined : new TextDecoder().decode(data));
