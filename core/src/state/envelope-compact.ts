import { hasOnlyJsonFields, isWellFormedText } from "../codec/json-spelling";
import { singleKeyCommandFields, singleKeyCommandTypes, type SingleKeyCommandType } from "./kv/single-key-commands";

/**
 * A compact spelling of the commonest log entry: a KV get, put, delete or cas
 * from a client session. Every replica decodes every entry, and JSON.parse of
 * the envelope was the largest single cost of applying one; this form is read
 * with charCodeAt and slice.
 *
 * Like client-binary.ts it is only another spelling of the same value: the
 * encoder takes an envelope only when it can write it exactly (and returns
 * null otherwise: the entry stays JSON), and the decoder rebuilds the plain
 * value JSON.parse would have returned, which the caller validates as usual.
 *
 * Layout: U+0001 (never starts JSON), the command code (get 0, put 1,
 * delete 2, cas 3) as one unit, then length-prefixed strings: clientId, seq
 * and proposedAtMs (decimal), key, then for cas a flag unit (0 null, 1 string)
 * and expected, then for put and cas the value. A length is two UTF-16 units
 * (high 16 bits, low 16 bits). Strings must be well formed: a log entry travels
 * as UTF-8, which cannot carry a lone surrogate (JSON escapes one).
 */
export const COMPACT_ENVELOPE_MARK = "\u0001";

const envelopeFields = ["module", "clientId", "seq", "proposedAtMs", "command"];

type Obj = Record<string, unknown>;

/** The compact data for this envelope, or null when it must be JSON. */
export function encodeCompactEnvelope(envelope: Obj): string | null {
  const { module, clientId, seq, proposedAtMs, command } = envelope;
  if (module !== "kv" || !hasOnlyJsonFields(envelope, envelopeFields) || !isText(clientId) || !isCount(seq) || !isCount(proposedAtMs)) return null;
  if (typeof command !== "object" || command === null || Array.isArray(command)) return null;
  const c = command as Obj;
  const type = singleKeyCommandTypes.indexOf(c["type"] as SingleKeyCommandType);
  if (type < 0 || !hasOnlyJsonFields(c, singleKeyCommandFields[singleKeyCommandTypes[type]!]) || !isText(c["key"])) return null;
  const { expected, value } = c;
  if ((type === 1 || type === 3) && !isText(value)) return null;
  if (type === 3 && expected !== null && !isText(expected)) return null;
  let out = COMPACT_ENVELOPE_MARK + String.fromCharCode(type) + lengthPrefixed(clientId) + lengthPrefixed(String(seq)) + lengthPrefixed(String(proposedAtMs)) + lengthPrefixed(c["key"] as string);
  if (type === 3) out += expected === null ? "\u0000" : `\u0001${lengthPrefixed(expected as string)}`;
  if (type === 1 || type === 3) out += lengthPrefixed(value as string);
  return out;
}

/** The value a compact entry stands for, or a description of what is wrong with it. */
export function decodeCompactEnvelope(data: string): { readonly value: Obj } | { readonly problem: string } {
  const reader = new CompactReader(data);
  const code = reader.unit("command code");
  const type = singleKeyCommandTypes[code];
  if (type === undefined) return { problem: `command code ${code} is unknown` };
  const clientId = reader.text("clientId");
  const seq = reader.decimal("seq");
  const proposedAtMs = reader.decimal("proposedAtMs");
  const key = reader.text("key");
  let command: Obj;
  if (type === "put") command = { type, key, value: reader.text("value") };
  else if (type === "cas") {
    const hasExpected = reader.unit("expected flag");
    if (hasExpected > 1) return { problem: `expected flag ${hasExpected} is not 0 or 1` };
    const expected = hasExpected === 1 ? reader.text("expected") : null;
    command = { type, key, expected, value: reader.text("value") };
  } else command = { type, key };
  if (reader.problem !== null) return { problem: reader.problem };
  if (reader.at !== data.length) return { problem: `${data.length - reader.at} characters follow the last field` };
  return { value: { module: "kv", clientId, seq, proposedAtMs, command } };
}

function lengthPrefixed(text: string): string {
  return String.fromCharCode(text.length >>> 16, text.length & 0xffff) + text;
}

/** Reads fields after the mark; the first problem sticks and later reads return placeholders. */
class CompactReader {
  at = 1;
  problem: string | null = null;

  constructor(private readonly data: string) {}

  unit(what: string): number {
    if (this.at >= this.data.length) return this.fail(`ends before ${what}`, 0);
    return this.data.charCodeAt(this.at++);
  }

  text(what: string): string {
    if (this.at + 2 > this.data.length) return this.fail(`ends inside the length of ${what}`, "");
    const length = this.data.charCodeAt(this.at) * 0x10000 + this.data.charCodeAt(this.at + 1);
    const start = this.at + 2;
    if (start + length > this.data.length) return this.fail(`${what} runs past the end`, "");
    this.at = start + length;
    return this.data.slice(start, start + length);
  }

  /** A canonical decimal integer (no sign, no leading zero, at most 16 digits), read by hand: it runs for every entry applied. */
  decimal(what: string): number {
    const digits = this.text(what);
    const n = digits.length;
    if (n === 0 || n > 16 || (n > 1 && digits.charCodeAt(0) === 0x30)) return this.fail(`${what} is not a decimal integer`, 0);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const d = digits.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return this.fail(`${what} is not a decimal integer`, 0);
      value = value * 10 + d;
    }
    return value;
  }

  private fail<T>(problem: string, placeholder: T): T {
    this.problem ??= problem;
    this.at = this.data.length + 1; // every later read fails too
    return placeholder;
  }
}

/** Well formed, and short enough for the two-unit length prefix. */
function isText(value: unknown): value is string {
  return isWellFormedText(value) && value.length < 0x100000000;
}

/** A non-negative safe integer other than -0 (its decimal spelling round-trips). */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && !Object.is(value, -0);
}
