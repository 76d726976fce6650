/**
 * Where each key of a TOML file is written, so a problem found after parsing (a bad duration,
 * an unknown key) can name its line. smol-toml reports positions only for syntax errors, so
 * this is a small line scanner over the same text: table headers, arrays of tables and
 * `key = value` lines. A key inside an inline table or a multi-line value is found by its
 * nearest enclosing key, which is close enough to point a person at the right line.
 */

/** Dotted paths (`delivery.attempt_timeout`, `endpoints.0.url`) to 1-based line numbers. */
export class TomlKeyLines {
  readonly #lines = new Map<string, number>();

  constructor(text: string) {
    this.#scan(text);
  }

  /** The line of `path`, or of its nearest enclosing key or table. */
  lineOf(path: (string | number)[]): number | undefined {
    for (let length = path.length; length > 0; length--) {
      const line = this.#lines.get(path.slice(0, length).join("."));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  #scan(text: string): void {
    const arrayIndex = new Map<string, number>();
    let table: string[] = [];
    let depth = 0;
    let inMultiline: string | undefined;
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = i + 1;
      if (inMultiline) {
        if (raw.includes(inMultiline)) inMultiline = undefined;
        return;
      }
      const delimiter = openMultilineString(raw);
      if (depth === 0) {
        const header = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(raw);
        if (header?.[1] && header[2]) {
          table = this.#enterTable(splitKey(header[2]), header[1] === "[[", arrayIndex);
          this.#remember(table, line);
          return;
        }
        const assignment = assignmentRule.exec(raw);
        if (assignment?.[1]) this.#remember([...table, ...splitKey(assignment[1])], line);
      }
      depth = Math.max(0, depth + bracketDelta(raw, depth === 0));
      if (delimiter) inMultiline = delimiter;
    });
  }

  #enterTable(path: string[], isArray: boolean, arrayIndex: Map<string, number>): string[] {
    const resolved: string[] = [];
    path.forEach((segment, i) => {
      resolved.push(segment);
      const name = path.slice(0, i + 1).join(".");
      const last = i === path.length - 1;
      if (last && isArray) {
        const next = (arrayIndex.get(name) ?? -1) + 1;
        arrayIndex.set(name, next);
        resolved.push(String(next));
      } else if (arrayIndex.has(name)) {
        resolved.push(String(arrayIndex.get(name)));
      }
    });
    return resolved;
  }

  #remember(path: string[], line: number): void {
    const key = path.join(".");
    if (!this.#lines.has(key)) this.#lines.set(key, line);
  }
}

const keyPart = `(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
const assignmentRule = new RegExp(`^\\s*(${keyPart}(?:\\s*\\.\\s*${keyPart})*)\\s*=`);

function splitKey(text: string): string[] {
  const parts = text.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? [];
  return parts.map((part) => part.replace(/^["']|["']$/g, ""));
}

/** `"""` or `'''` when the line opens a multi-line string it does not close. */
function openMultilineString(line: string): string | undefined {
  for (const delimiter of ['"""', "'''"]) {
    const count = line.split(delimiter).length - 1;
    if (count % 2 === 1) return delimiter;
  }
  return undefined;
}

/** How many more `[` than `]` the line opens, outside strings and comments. */
function bracketDelta(line: string, isAssignment: boolean): number {
  let delta = 0;
  let quote: string | undefined;
  const value = isAssignment && line.includes("=") ? line.slice(line.indexOf("=") + 1) : line;
  for (const char of value) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "#") break;
    else if (char === "[" || char === "{") delta++;
    else if (char === "]" || char === "}") delta--;
  }
  return delta;
}

/** A TOML table as smol-toml returns it: a plain object (a date is an object too). */
export function isTable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** `["endpoints", 0, "url"]` → `endpoints[0].url`. */
export function formatKey(keyPath: (string | number)[]): string {
  return keyPath
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}
