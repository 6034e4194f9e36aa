import type { SearchModel, SearchOperation } from "./search";
import type { Operation, RegisterValue } from "./types";

/** What one operation asks of the register when it is linearized. */
export type RegisterInput =
  | { readonly kind: "read"; readonly observed: RegisterValue }
  | { readonly kind: "write"; readonly value: RegisterValue }
  | { readonly kind: "cas"; readonly expected: RegisterValue; readonly next: RegisterValue };

const REJECTED = { ok: false, next: null } as const;

/** A single register that starts absent (null). */
export const registerModel: SearchModel<RegisterValue, RegisterInput> = {
  initial: null,
  step(state, input) {
    switch (input.kind) {
      case "read":
        return input.observed === state ? { ok: true, next: state } : REJECTED;
      case "write":
        return { ok: true, next: input.value };
      case "cas":
        // A cas we are linearizing took effect, so its compare must have matched.
        return input.expected === state ? { ok: true, next: input.next } : REJECTED;
    }
  },
  // "\u0001" marks absent so that no string value can collide with it.
  stateKey: (state) => (state === null ? "\u0001" : `=${state}`),
  inputKey: (input) => JSON.stringify(input),
};

/**
 * Turns one key's operations into what the search linearizes, and says which operation each came from.
 * - fail: did not take effect → dropped (for every function).
 * - info read: observed nothing and changed nothing → dropped.
 * - info write/cas: may take effect any time after invoke, or never → no return deadline.
 * - ok: must take effect between invoke and completion.
 */
export function registerSearchOperations(operations: readonly Operation[]): { search: SearchOperation<RegisterInput>[]; source: Operation[] } {
  const search: SearchOperation<RegisterInput>[] = [];
  const source: Operation[] = [];
  for (const operation of operations) {
    if (operation.status === "fail") continue;
    if (operation.status === "info" && operation.f === "read") continue;
    const returnTimeNs = operation.status === "ok" ? operation.completeTimeNs : null;
    search.push({ callTimeNs: operation.invokeTimeNs, returnTimeNs, input: registerInput(operation) });
    source.push(operation);
  }
  return { search, source };
}

function registerInput(operation: Operation): RegisterInput {
  switch (operation.f) {
    case "read":
      return { kind: "read", observed: operation.output };
    case "write":
      return { kind: "write", value: operation.value };
    case "cas":
      return { kind: "cas", expected: operation.expected, next: operation.next };
  }
}
