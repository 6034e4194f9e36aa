import { Chalk } from "chalk";
import type { BlixardError } from "@blixard/core";

/** Process exit codes of every client command. */
export const EXIT_OK = 0;
export const EXIT_OPERATION_FAILED = 1;
export const EXIT_USAGE = 2;

export interface OutputMode {
  /** One JSON document on stdout, for machines. */
  readonly json: boolean;
  /** Colour and bold headers (stdout is a TTY and NO_COLOR is unset). */
  readonly color: boolean;
}

export function outputModeFor(json: boolean): OutputMode {
  return { json, color: !json && process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined };
}

/** Where command output goes; tests pass their own. */
export interface Printer {
  out(line: string): void;
  err(line: string): void;
}

export const stdioPrinter: Printer = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** Left-aligned columns; the header is bold when colour is on. Cells are single-line. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], mode: OutputMode): string[] {
  const chalk = new Chalk({ level: mode.color ? 1 : 0 });
  const clean = rows.map((row) => headers.map((_, i) => oneLine(row[i] ?? "")));
  const widths = headers.map((h, i) => Math.max(h.length, ...clean.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [chalk.bold(line(headers.map((h) => h.toUpperCase()))), ...clean.map(line)];
}

/** `code: message` then the hint, on stderr; or the error as JSON on stdout with --json. */
export function printError(printer: Printer, mode: OutputMode, error: BlixardError & { definite?: boolean }): void {
  if (mode.json) {
    printer.out(JSON.stringify({ ok: false, error }));
    return;
  }
  const chalk = new Chalk({ level: mode.color ? 1 : 0 });
  const issues = specIssuesOf(error);
  // A spec rejection's message repeats every issue; they are printed one per line instead.
  const message = issues === null ? error.message : `VM spec has ${issues.length === 1 ? "1 problem" : `${issues.length} problems`}:`;
  printer.err(`${chalk.red("error")} ${error.code}: ${message}${error.nodeId === undefined ? "" : ` (node ${error.nodeId})`}`);
  for (const issue of issues ?? []) printer.err(`  ${issue.path === "" ? "(spec)" : issue.path}: ${issue.message}`);
  if (error.hint !== undefined) printer.err(`  hint: ${error.hint}`);
  // Only a timeout leaves a write's fate open; an error answer means it was refused.
  if (error.definite === false && error.code === "timeout") printer.err("  note: the outcome is unknown; a write may still apply, at most once");
}

export function printJson(printer: Printer, value: unknown): void {
  printer.out(JSON.stringify({ ok: true, result: value }, null, 2));
}

function specIssuesOf(error: BlixardError): readonly { path: string; message: string }[] | null {
  const issues = (error as { issues?: unknown }).issues;
  return error.code === "invalid-vm-spec" && Array.isArray(issues) ? (issues as { path: string; message: string }[]) : null;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ");
}
