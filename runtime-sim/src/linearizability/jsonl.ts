import { err, ok, type Result } from "@blixard/core";
import { DEFAULT_HISTORY_LIMITS, validateHistoryEvent, type HistoryLimits } from "./event-validation";
import { historyFormatError } from "./format-error";
import type { HistoryEvent, HistoryFormatError } from "./types";

/** One event as one JSON object, fields in a fixed order so equal histories give equal bytes. */
export function encodeHistoryEvent(event: HistoryEvent): string {
  const ordered = { process: event.process, type: event.type, f: event.f, key: event.key, value: event.value, time: event.time };
  return JSON.stringify(ordered);
}

/** JSON lines: one event per line, each line ending in "\n". */
export function encodeHistoryJsonLines(events: readonly HistoryEvent[]): string {
  let text = "";
  for (const event of events) text += `${encodeHistoryEvent(event)}\n`;
  return text;
}

/**
 * Parses JSON lines strictly: every line must be one valid event (a single trailing newline is allowed,
 * blank lines elsewhere are not). Errors name the 1-based line and the field.
 */
export function decodeHistoryJsonLines(
  text: string,
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
): Result<HistoryEvent[], HistoryFormatError> {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length > limits.maxEvents) {
    return err(historyFormatError("history-too-many-events", limits.maxEvents + 1, undefined, `history has ${lines.length} lines, over the limit of ${limits.maxEvents} events`));
  }
  const events: HistoryEvent[] = [];
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = (lines[index] ?? "").replace(/\r$/, "");
    if (line.length > limits.maxLineChars) {
      return err(historyFormatError("history-line-too-long", lineNumber, undefined, `line of ${line.length} chars exceeds the limit of ${limits.maxLineChars} chars`));
    }
    if (line.trim() === "") return err(historyFormatError("history-empty-line", lineNumber, undefined, "empty line; every line must hold one event"));
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return err(historyFormatError("history-invalid-json", lineNumber, undefined, `not valid JSON (${reason})`));
    }
    const event = validateHistoryEvent(raw, lineNumber, limits);
    if (!event.ok) return event;
    events.push(event.value);
  }
  return ok(events);
}
