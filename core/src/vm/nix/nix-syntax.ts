/**
 * A small Nix expression tree and its printer. Generated Nix is built as a
 * tree so that every value that came from a spec goes through `nixString`
 * (or is a checked integer/boolean): user text can only ever end up inside
 * a string literal. Code is written only by the generator itself, through
 * `nixCode`, and never from spec data.
 */
export type NixValue =
  | string
  | number
  | boolean
  | null
  | NixList
  | NixAttrs
  | NixCode;

export interface NixList {
  readonly kind: "list";
  readonly items: readonly NixValue[];
}

/** Attribute order is kept as given (the printer does not sort), so output reads like hand-written Nix. */
export interface NixAttrs {
  readonly kind: "attrs";
  readonly entries: readonly (readonly [name: string, value: NixValue])[];
}

/** Trusted Nix source written by the generator (a function header, `lib.mkForce`, a path). */
export interface NixCode {
  readonly kind: "code";
  readonly source: string;
  /** A value the code applies to (`lib.mkForce <arg>`), printed after it; undefined: the code stands alone. */
  readonly arg: NixValue | undefined;
}

export const nixList = (items: readonly NixValue[]): NixList => ({ kind: "list", items });
export const nixAttrs = (entries: readonly (readonly [string, NixValue])[]): NixAttrs => ({ kind: "attrs", entries });
export const nixCode = (source: string, arg?: NixValue): NixCode => ({ kind: "code", source, arg });

/** The characters a double-quoted Nix string gives meaning to, and what each becomes. */
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  // Every `$` is escaped, not just `${`: `\$` always reads back as `$`, so no `${` can survive.
  $: "\\$",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * A double-quoted Nix string literal that reads back as exactly `text`.
 * Throws on a NUL character: Nix strings cannot hold one, and callers
 * validate text before it reaches here (a NUL here is a bug, not input).
 */
export function nixString(text: string): string {
  if (text.includes("\u0000")) throw new RangeError("a Nix string cannot contain a NUL character");
  return `"${text.replace(/[\\"$\n\r\t]/g, (c) => STRING_ESCAPES[c] ?? c)}"`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const KEYWORDS = new Set(["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"]);

/** An attribute name: bare when it is a plain identifier, else a quoted string. */
export function nixAttrName(name: string): string {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

const INDENT = "  ";

/** Print a value as Nix source, two-space indented, `depth` levels in. */
export function printNix(value: NixValue, depth = 0): string {
  if (value === null) return "null";
  if (typeof value === "string") return nixString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return printInteger(value);
  switch (value.kind) {
    case "code":
      return value.arg === undefined ? value.source : `${value.source} ${printNix(value.arg, depth)}`;
    case "list":
      return printList(value, depth);
    case "attrs":
      return printAttrs(value, depth);
  }
}

function printInteger(value: number): string {
  // Nix has no literal for a negative number (it is unary minus) nor for fractions; specs only hold counts.
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`only non-negative safe integers are printed as Nix, got ${value}`);
  return String(value);
}

function printList(list: NixList, depth: number): string {
  if (list.items.length === 0) return "[ ]";
  const inner = INDENT.repeat(depth + 1);
  // Items that are applications need parentheses inside a list (`[ (lib.mkForce 1) ]`).
  const items = list.items.map((item) => {
    const text = printNix(item, depth + 1);
    return typeof item === "object" && item !== null && item.kind === "code" && item.arg !== undefined ? `(${text})` : text;
  });
  return `[\n${items.map((item) => `${inner}${item}\n`).join("")}${INDENT.repeat(depth)}]`;
}

function printAttrs(attrs: NixAttrs, depth: number): string {
  if (attrs.entries.length === 0) return "{ }";
  const inner = INDENT.repeat(depth + 1);
  const lines = attrs.entries.map(([name, value]) => `${inner}${nixAttrName(name)} = ${printNix(value, depth + 1)};\n`);
  return `{\n${lines.join("")}${INDENT.repeat(depth)}}`;
}
