import fc from "fast-check";

/** Text rich in what Nix gives meaning to: quotes, backslashes, dollars, braces, quote pairs, line breaks; never NUL. */
export const hostileText = fc
  .oneof(
    fc.string({ unit: "binary" }),
    fc.array(fc.constantFrom("$", "{", "}", '"', "\\", "${", "$${", "''", "'", "\n", "\r", "\t", "a", " ", "#", "/*", ";", "é", "😀"), { maxLength: 30 }).map((parts) => parts.join("")),
  )
  .filter((text) => !text.includes("\u0000"));
