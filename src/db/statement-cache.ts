/**
 * Keeps prepared statements per libSQL connection. `@libsql/client` prepares every statement
 * it runs and offers no way to keep one, so on the hot path SQLite compiled the same few
 * statements thousands of times a second: an eighth of the relay's one thread at 1,000
 * events/s, and the single biggest cost after running them (docs/performance.md). The
 * client runs every statement through the `libsql` driver's `Database.prototype.prepare`, so
 * that is where the cache goes: the same SQL text on the same connection gets the statement
 * compiled the first time.
 *
 * Sharing a statement is safe for how the client uses it: it sets the same modes (raw rows,
 * safe integers) before each use and runs it to the end at once (`all` or `run`, never an
 * open iterator), so no two uses overlap. SQLite recompiles a kept statement by itself when
 * the schema changes. The texts the relay runs are a small set (multi-row statements vary
 * only with the row count), and the cache is bounded per connection in case they are not.
 */
import Database from "libsql";

/** Statements kept per connection; the least recently used goes first. */
const perConnection = 512;

interface StatementCacheStats {
  hits: number;
  misses: number;
}

const stats: StatementCacheStats = { hits: 0, misses: 0 };
const installed = Symbol.for("hookrelay.statementCache");

type Prepare = (this: Database.Database, sql: string) => Database.Statement;

const schemaChange = /^\s*(?:CREATE|ALTER|DROP)\b/i;

/** Idempotent: a second call (another import path, a test) keeps the first wrapper. */
export function cacheStatements(): void {
  const prototype = Database.prototype as unknown as Record<PropertyKey, unknown>;
  if (prototype[installed]) return;
  const prepare = prototype.prepare as Prepare;
  const close = prototype.close as (this: Database.Database) => void;
  const exec = prototype.exec as (this: Database.Database, sql: string) => void;
  const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

  prototype.prepare = function cachedPrepare(this: Database.Database, sql: string) {
    // A closed connection must fail as it would without the cache, not hand out a statement.
    if (!this.open) return prepare.call(this, sql);
    // A schema change (a migration) may change what a kept statement's columns are: start
    // over on this connection, and keep no DDL itself.
    if (schemaChange.test(sql)) {
      caches.delete(this);
      return prepare.call(this, sql);
    }
    let cache = caches.get(this);
    if (!cache) {
      cache = new Map();
      caches.set(this, cache);
    }
    const kept = cache.get(sql);
    if (kept) {
      stats.hits++;
      // Map order is the recency order: move this one to the end.
      cache.delete(sql);
      cache.set(sql, kept);
      return kept;
    }
    stats.misses++;
    const statement = rememberShape(prepare.call(this, sql));
    cache.set(sql, statement);
    if (cache.size > perConnection) cache.delete(cache.keys().next().value as string);
    return statement;
  };
  // A script may hold DDL anywhere; it is rare (migrations) and forgetting is cheap.
  prototype.exec = function execAndForget(this: Database.Database, sql: string) {
    caches.delete(this);
    return exec.call(this, sql);
  };
  prototype.close = function closeAndForget(this: Database.Database) {
    caches.delete(this);
    close.call(this);
  };
  prototype[installed] = true;
}

/**
 * The client asks every statement, on every run, for its columns (twice) and tries to switch
 * it to raw rows, which throws for a statement that returns none: a tenth of the thread's time
 * at 1,000 events/s went to those answers, which never change for a kept statement (the
 * relay's statements name their columns; none selects `*`). So the first answers are kept.
 */
function rememberShape(statement: Database.Statement): Database.Statement {
  const shaped = statement as unknown as {
    columns(): unknown[];
    raw(toggle?: boolean): unknown;
  };
  const columns = shaped.columns.bind(statement);
  const raw = shaped.raw.bind(statement);
  let knownColumns: unknown[] | undefined;
  let returnsNoRows: unknown;
  shaped.columns = () => {
    knownColumns ??= columns();
    return knownColumns;
  };
  shaped.raw = (toggle?: boolean) => {
    if (returnsNoRows) throw returnsNoRows;
    try {
      return raw(toggle);
    } catch (error) {
      returnsNoRows = error;
      throw error;
    }
  };
  return statement;
}

/** How often a statement was found kept, for the test that guards the cache. */
export function statementCacheStats(): Readonly<StatementCacheStats> {
  return { ...stats };
}
