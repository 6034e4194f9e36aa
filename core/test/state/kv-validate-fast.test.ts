import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxKeyBytes, maxValueBytes } from "../../src/state/kv/limits";
import { parseKvCommand, validateKvCommand } from "../../src/state/kv/validate";
import { kvCommandArb } from "./arbitraries";

// Texts at and around the bounds, multi-byte and lone surrogates, and not-strings.
const text = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("", "é", "😀", "\ud800", "k".repeat(maxKeyBytes), "k".repeat(maxKeyBytes + 1), "é".repeat(maxKeyBytes / 2), "é".repeat(maxKeyBytes / 2 + 1)),
);
const field = fc.oneof(text, fc.constantFrom(null, undefined, 7, ["k"], { k: 1 }, true));
const bigValue = fc.constantFrom("v".repeat(maxValueBytes), "v".repeat(maxValueBytes + 1));
const command = fc.record(
  {
    type: fc.constantFrom<unknown>("get", "put", "delete", "cas", "scan", "batch", "PUT", 3, null),
    key: field,
    value: fc.oneof({ weight: 5, arbitrary: field }, { weight: 1, arbitrary: bigValue }),
    expected: field,
    extra: fc.nat(),
  },
  { requiredKeys: [] },
);
/** Shapes a JSON decoder never makes but a caller could: inherited fields, enumerable or not. */
const odd = fc.constantFrom<unknown>(
  Object.create({ key: "k" }, { type: { value: "get", enumerable: true } }),
  Object.assign(Object.create(Object.defineProperty({}, "key", { value: "k", enumerable: false })), { type: "get", x: 1 }),
  Object.assign(Object.create({ extra: 1 }), { type: "get", key: "k" }),
  Object.assign(Object.create(null), { type: "put", key: "k", value: "v" }),
  ["get", "k"],
  "get",
  null,
);

describe("kv command validation: the single-key fast path", () => {
  it("agrees with the full parser on every input: the same command or the same error", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 10, arbitrary: command }, { weight: 10, arbitrary: kvCommandArb }, { weight: 1, arbitrary: odd }), (value) => {
        const full = parseKvCommand(value);
        if (full.ok) accepted++;
        expect(validateKvCommand(value)).toEqual(full);
      }),
      { numRuns: 4000 },
    );
    // Valid commands must be common enough for the agreement to mean something.
    expect(accepted).toBeGreaterThan(1000);
  });
});
