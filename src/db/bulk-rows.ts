/**
 * Statements of the hot path with many rows: a batch of events, deliveries or attempts. These
 * run on the libSQL transaction under Drizzle's, with SQL text fixed per row count, because
 * Drizzle builds a multi-row statement parameter by parameter: for 26 events that took three
 * times as long as SQLite needed to insert them (the bench's profile, docs/performance.md).
 * Anywhere the libSQL transaction cannot be found, the same rows go through Drizzle.
 */
import type { InValue, Transaction } from "@libsql/client";
import { type Column, getTableColumns, getTableName, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Queryable } from "./client.ts";

/** SQLite allows 32,766 parameters per statement; 500 rows of 13 columns stay far below. */
const rowsPerStatement = 500;

interface Layout {
  /** Property names of the table's columns, in statement order. */
  keys: string[];
  columns: Column[];
  head: string;
  row: string;
}

const layouts = new WeakMap<SQLiteTable, Layout>();

/**
 * The libSQL transaction a Drizzle transaction runs on. Drizzle keeps it on its session; that
 * is not public API, so a test checks it is still found (test/db/bulk-rows.test.ts).
 */
export function libsqlTransactionOf(db: Queryable): Transaction | undefined {
  const session = (db as unknown as { session?: { tx?: unknown } }).session;
  const tx = session?.tx as Partial<Transaction> | undefined;
  return typeof tx?.execute === "function" ? (tx as Transaction) : undefined;
}

/** Runs one statement with positional arguments, on the transaction when there is one. */
export async function runStatement(db: Queryable, text: string, args: InValue[]): Promise<void> {
  const tx = libsqlTransactionOf(db);
  if (tx) {
    await tx.execute({ sql: text, args });
    return;
  }
  const values = args;
  const parts = text.split("?");
  const chunks: SQL[] = parts.map((part, index) =>
    index < values.length ? sql`${sql.raw(part)}${values[index]}` : sql.raw(part),
  );
  await db.run(sql.join(chunks));
}

/** Inserts every row with every column given: a missing value is NULL, no SQL default. */
export async function insertRows<T extends SQLiteTable>(
  db: Queryable,
  table: T,
  rows: T["$inferInsert"][],
): Promise<void> {
  if (rows.length === 0) return;
  const tx = libsqlTransactionOf(db);
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    if (!tx) {
      await db.insert(table).values(chunk);
      continue;
    }
    const { keys, columns, head, row } = layoutOf(table);
    const args: InValue[] = [];
    for (const values of chunk) {
      const record = values as Record<string, unknown>;
      keys.forEach((key, index) => {
        args.push(driverValue(columns[index] as Column, record[key]));
      });
    }
    await tx.execute({ sql: head + Array(chunk.length).fill(row).join(", "), args });
  }
}

function layoutOf(table: SQLiteTable): Layout {
  const known = layouts.get(table);
  if (known) return known;
  const entries = Object.entries(getTableColumns(table));
  const names = entries.map(([, column]) => `"${column.name}"`).join(", ");
  const layout = {
    keys: entries.map(([key]) => key),
    columns: entries.map(([, column]) => column),
    head: `INSERT INTO "${getTableName(table)}" (${names}) VALUES `,
    row: `(${entries.map(() => "?").join(", ")})`,
  };
  layouts.set(table, layout);
  return layout;
}

/** The value as Drizzle would bind it (JSON text, 0/1 for booleans, bytes as they are). */
function driverValue(column: Column, value: unknown): InValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return value;
  return column.mapToDriverValue(value) as InValue;
}
