import type { HistoryFormatError } from "./types";

/** Builds a history error whose message starts with the line (and field) so a human can find it. */
export function historyFormatError(code: string, line: number, field: string | undefined, detail: string): HistoryFormatError {
  const where = field === undefined ? `line ${line}` : `line ${line}, field "${field}"`;
  return {
    code,
    line,
    ...(field === undefined ? {} : { field }),
    message: `${where}: ${detail}`,
    hint: "fix or drop the offending line; histories are checked strictly so a checker never guesses",
  };
}

/** Short, bounded rendering of an arbitrary value for error messages. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  const maxChars = 60;
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
