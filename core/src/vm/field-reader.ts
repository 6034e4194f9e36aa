/**
 * A small collector for validating untrusted JSON-like input field by field.
 * It never throws: each problem becomes an issue with the field's path
 * (`interfaces[1].mac`) and a sentence quoting the rule and the bad value.
 */
export interface SpecIssue {
  /** Dotted path of the offending field, e.g. `volumes[0].sizeMib`. */
  readonly path: string;
  /** Starts with the path, names the rule and quotes what was given. */
  readonly message: string;
}

/** Rendered value for messages, bounded so huge input cannot bloat an error. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return `a ${typeof value}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

export class IssueList {
  readonly issues: SpecIssue[] = [];

  /** A rule broken by the field as a whole (no single value to quote). */
  add(path: string, rule: string): void {
    this.issues.push({ path, message: `${path === "" ? "spec" : path} ${rule}` });
  }

  /** A rule broken by a value, quoted (bounded) in the message. */
  bad(path: string, rule: string, got: unknown): void {
    this.add(path, `${rule}, got ${describeValue(got)}`);
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }
}

/** Reads fields of one object, remembering which keys were consumed to flag unknown ones. */
export class ObjectReader {
  private readonly known = new Set<string>();

  constructor(
    readonly issues: IssueList,
    readonly path: string,
    readonly source: Record<string, unknown>,
  ) {}

  raw(key: string): unknown {
    this.known.add(key);
    return this.source[key];
  }

  has(key: string): boolean {
    this.known.add(key);
    return this.source[key] !== undefined;
  }

  at(key: string): string {
    return joinPath(this.path, key);
  }

  integer(key: string, min: number, max: number, fallback?: number): number {
    const value = this.raw(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.issues.bad(this.at(key), `must be an integer between ${min} and ${max}`, value);
      return fallback ?? min;
    }
    return value;
  }

  string(key: string, maxLength: number, fallback?: string): string {
    const value = this.raw(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
      this.issues.bad(this.at(key), `must be a non-empty string of at most ${maxLength} characters`, value);
      return fallback ?? "";
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.issues.bad(this.at(key), "must be true or false", value);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback?: T): T {
    const value = this.raw(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      this.issues.bad(this.at(key), `must be one of ${choices.join(", ")}`, value);
      return fallback ?? (choices[0] as T);
    }
    return value as T;
  }

  /** A list bounded by maxItems; each element handed to `item` with its path. */
  list<T>(key: string, maxItems: number, item: (value: unknown, path: string) => T | null): T[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.issues.bad(this.at(key), "must be a list", value);
      return [];
    }
    if (value.length > maxItems) {
      this.issues.bad(this.at(key), `must have at most ${maxItems} entries`, value);
      return [];
    }
    const out: T[] = [];
    value.forEach((element, i) => {
      const parsed = item(element, joinPath(this.at(key), i));
      if (parsed !== null) out.push(parsed);
    });
    return out;
  }

  /** Flag keys that were never read: a typo must not be silently ignored. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.source).sort()) {
      if (!this.known.has(key)) this.issues.add(this.at(key), "is not a known field");
    }
  }
}

/** Open a nested object, or record why it cannot be opened. */
export function readObject(issues: IssueList, path: string, value: unknown): ObjectReader | null {
  if (!isPlainObject(value)) {
    issues.bad(path, "must be an object", value);
    return null;
  }
  return new ObjectReader(issues, path, value);
}
