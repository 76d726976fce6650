/**
 * How management commands print: a table (cli-table3) for a person, or exactly the API's
 * JSON with --json for a script. Everything goes to stdout; progress and hints to stderr.
 */
import Table from "cli-table3";

export type Row = Record<string, unknown>;

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Rows as a table with these columns (key: header). */
export function printTable(rows: readonly object[], columns: Record<string, string>): void {
  if (rows.length === 0) {
    console.log("(none)");
    return;
  }
  const table = new Table({ head: Object.values(columns), style: { head: [], border: [] } });
  for (const row of rows) {
    table.push(Object.keys(columns).map((key) => cell((row as Row)[key])));
  }
  console.log(table.toString());
}

/** One object as a two-column table of fields and values. */
export function printRecord(record: object): void {
  const table = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of Object.entries(record)) table.push({ [key]: cell(value) });
  console.log(table.toString());
}

export function print(value: unknown, json: boolean | undefined, human: () => void): void {
  if (json) printJson(value);
  else human();
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => cell(item)).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
