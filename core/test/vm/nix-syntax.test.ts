import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nixAttrName, nixAttrs, nixCode, nixList, nixString, printNix } from "../../src/vm/nix/nix-syntax";
import { hostileText } from "./hostile-text";

/**
 * Reads one double-quoted Nix string literal from the start of `source` the
 * way Nix's lexer does (src/libexpr/lexer.l): `\x` escapes (n, r, t special),
 * `$${` is a literal `$$` then `{`, and an unescaped `${` opens an
 * interpolation. Returns the value and where the literal ended, or why the
 * text is not one plain literal.
 */
function readNixString(source: string): { value: string; end: number } | { error: string } {
  if (source[0] !== '"') return { error: "does not start with a quote" };
  let value = "";
  let i = 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === "\\") {
      if (i + 1 >= source.length) return { error: "ends inside an escape" };
      const next = source[i + 1]!;
      value += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
      i += 2;
    } else if (c === "$" && source[i + 1] === "{") {
      return { error: `opens an interpolation at ${i}` };
    } else if (c === "$" && source[i + 1] === "$") {
      value += "$$";
      i += 2;
    } else {
      value += c;
      i += 1;
    }
  }
  return { error: "never closes" };
}

describe("nixString", () => {
  it("escapes exactly the characters Nix gives meaning to", () => {
    expect(nixString('a"b\\c${d}$e\nf\rg\th')).toBe('"a\\"b\\\\c\\${d}\\$e\\nf\\rg\\th"');
    expect(nixString("")).toBe('""');
    expect(nixString("plain é 😀")).toBe('"plain é 😀"');
    expect(() => nixString("a\u0000b")).toThrow(RangeError);
  });

  it("property: any text reads back as itself from one literal that never interpolates", () => {
    fc.assert(
      fc.property(hostileText, fc.string(), (text, after) => {
        const literal = nixString(text);
        // Whatever follows the literal in a file cannot change where it ends.
        const read = readNixString(`${literal}${after}`);
        expect(read).toEqual({ value: text, end: literal.length });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("nixAttrName", () => {
  it("keeps identifiers bare and quotes anything else, keywords included", () => {
    expect(["web-1", "_x", "a'b", "1web", "in", "or", "a.b", "${x}", ""].map(nixAttrName)).toEqual([
      "web-1", "_x", "a'b", '"1web"', '"in"', '"or"', '"a.b"', '"\\${x}"', '""',
    ]);
  });
});

describe("printNix", () => {
  it("prints lists, attribute sets and applications, parenthesising applications inside lists", () => {
    const value = nixCode("{ lib, ... }:", nixAttrs([
      ["a", nixList([1, true, null, "s", nixCode("lib.mkForce", 2)])],
      ["empty", nixAttrs([])],
      ["none", nixList([])],
      ["x y", nixAttrs([["z", false]])],
    ]));
    expect(printNix(value)).toBe([
      "{ lib, ... }: {",
      "  a = [",
      "    1",
      "    true",
      "    null",
      '    "s"',
      "    (lib.mkForce 2)",
      "  ];",
      "  empty = { };",
      "  none = [ ];",
      '  "x y" = {',
      "    z = false;",
      "  };",
      "}",
    ].join("\n"));
  });

  it("refuses numbers Nix has no literal for", () => {
    expect(() => printNix(-1)).toThrow(RangeError);
    expect(() => printNix(1.5)).toThrow(RangeError);
    expect(() => printNix(2 ** 60)).toThrow(RangeError);
  });
});
