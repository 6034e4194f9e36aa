/**
 * Checks shared by the compact spellings of JSON values (protocol/client-binary.ts,
 * state/envelope-compact.ts): an encoder may take a value only when it can
 * write exactly what its JSON would carry.
 */

/** A string UTF-8 carries exactly: TextEncoder replaces a lone surrogate, which JSON keeps. */
export function isWellFormedText(value: unknown): value is string {
  return typeof value === "string" && (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Every own field is in `allowed` or undefined (JSON drops those); an inherited one is not plain data. */
export function hasOnlyJsonFields(value: object, allowed: readonly string[]): boolean {
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    if ((value as Record<string, unknown>)[key] !== undefined && !allowed.includes(key)) return false;
  }
  return true;
}
