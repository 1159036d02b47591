/**
 * The two databases the Neon proxy can stand in front of: a real PostgreSQL (pg.Pool) or an
 * embedded PGlite. Both answer with Postgres text output and raw wire errors, as Neon does.
 */
import { PGlite, protocol } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { connectRelay, Mutex, type Relay } from "./pg-relay";

export type SqlValue = string | null;
export interface SqlQuery {
	query: string;
	params: SqlValue[];
}
export interface SqlField {
	name: string;
	dataTypeID: number;
	tableID: number;
	columnID: number;
	dataTypeSize: number;
	dataTypeModifier: number;
	format: "text";
}
export interface SqlResult {
	fields: SqlField[];
	rows: SqlValue[][];
	command: string;
	rowCount: number | null;
}
/** The single transaction a `queries` batch runs in (from the Neon-Batch-* headers). */
export interface BatchMode {
	isolation:
		| "READ UNCOMMITTED"
		| "READ COMMITTED"
		| "REPEATABLE READ"
		| "SERIALIZABLE"
		| null;
	readOnly: boolean;
	deferrable: boolean;
}
export interface SqlBackend {
	kind: "pglite" | "postgres";
	/** One query (batch null) in autocommit, or all queries in one transaction. */
	execute(queries: SqlQuery[], batch: BatchMode | null): Promise<SqlResult[]>;
	relay: Relay;
	close(): Promise<void>;
}

/** A RowDescription field as Neon reports it (values are always text here). */
function toField(f: Omit<SqlField, "format">): SqlField {
	return {
		name: f.name,
		dataTypeID: f.dataTypeID,
		tableID: f.tableID,
		columnID: f.columnID,
		dataTypeSize: f.dataTypeSize,
		dataTypeModifier: f.dataTypeModifier,
		format: "text",
	};
}

/** A Postgres ErrorResponse as both pg and PGlite surface it. */
export interface PgError extends Error {
	code: string;
	severity: string;
}
export function isPgError(err: unknown): err is PgError {
	return (
		err instanceof Error &&
		typeof (err as { code?: unknown }).code === "string" &&
		"severity" in err
	);
}

function beginStatement({
	isolation,
	readOnly,
	deferrable,
}: BatchMode): string {
	const level = isolation === null ? "" : ` ISOLATION LEVEL ${isolation}`;
	return `BEGIN${level}${readOnly ? " READ ONLY" : ""}${deferrable ? " DEFERRABLE" : ""}`;
}

/** Runs a batch as BEGIN … COMMIT, rolling back and rethrowing the first failure. */
async function inTransaction(
	exec: (sql: string) => Promise<unknown>,
	batch: BatchMode,
	body: () => Promise<SqlResult[]>,
	onRollbackFailed: (err: unknown) => void,
): Promise<SqlResult[]> {
	await exec(beginStatement(batch));
	try {
		const results = await body();
		await exec("COMMIT");
		return results;
	} catch (err) {
		// The statement's error is what the client needs to see, not a follow-on rollback failure.
		await exec("ROLLBACK").catch(onRollbackFailed);
		throw err;
	}
}

export async function createPostgresBackend(
	databaseUrl: string,
	log: (line: string) => void,
): Promise<SqlBackend> {
	const pool = new pg.Pool({
		connectionString: databaseUrl,
		max: 10,
		// Neon answers with Postgres text output and the driver parses it by OID; so must we.
		types: { getTypeParser: () => (value: string) => value },
	});
	pool.on("error", (err) =>
		log(`neon proxy: idle PostgreSQL connection failed: ${err.message}`),
	);
	const url = new URL(databaseUrl);
	const target = {
		host: url.hostname || "127.0.0.1",
		port: Number(url.port || 5432),
	};
	// Fail at startup, not on the first request, when the server or database is not there.
	await pool.query("select 1").catch(async (err: unknown) => {
		await pool.end();
		const where = `${target.host}:${target.port}${url.pathname}`;
		throw new Error(
			`cannot connect to PostgreSQL at ${where}: ${String(err)}`,
			{ cause: err },
		);
	});

	async function run(
		client: pg.PoolClient,
		{ query, params }: SqlQuery,
	): Promise<SqlResult> {
		// queryMode "extended" keeps Neon's one-statement-per-query rule even without parameters.
		const config: pg.QueryArrayConfig<SqlValue[]> & { queryMode: "extended" } =
			{
				text: query,
				values: params,
				rowMode: "array",
				queryMode: "extended",
			};
		const r = await client.query<SqlValue[]>(config);
		return {
			fields: r.fields.map(toField),
			rows: r.rows,
			command: r.command ?? "",
			rowCount: r.rowCount,
		};
	}

	return {
		kind: "postgres",
		relay: connectRelay(target, log),
		async execute(queries, batch) {
			const client = await pool.connect();
			let broken: Error | undefined;
			try {
				if (batch === null) return [await run(client, queries[0] as SqlQuery)];
				return await inTransaction(
					(sql) => client.query(sql),
					batch,
					async () => {
						const results: SqlResult[] = [];
						for (const q of queries) results.push(await run(client, q));
						return results;
					},
					(err) => {
						broken = err instanceof Error ? err : new Error(String(err));
					},
				);
			} catch (err) {
				// Only a connection-level failure makes the client unfit for reuse.
				if (!isPgError(err))
					broken = err instanceof Error ? err : new Error(String(err));
				throw err;
			} finally {
				client.release(broken);
			}
		},
		close: () => pool.end(),
	};
}

const { serialize, messages } = protocol;

/** "INSERT 0 3" → 3, "SELECT 2" → 2, "BEGIN" / "CREATE TABLE" → null (as pg reports it). */
function parseTag(tag: string): { command: string; rowCount: number | null } {
	const words = tag.split(" ");
	const last = Number(words.at(-1));
	return {
		command: words[0] ?? "",
		rowCount: words.length > 1 && Number.isInteger(last) ? last : null,
	};
}

export async function createPgliteBackend(
	dataDir: string | undefined,
	log: (line: string) => void,
): Promise<SqlBackend> {
	const db = await PGlite.create(dataDir ? { dataDir } : {});
	// Several relay connections may be open at once; the gate keeps their transactions apart.
	const sockets = new PGLiteSocketServer({
		db,
		host: "127.0.0.1",
		port: 0,
		maxConnections: 64,
	});
	await sockets.start();
	const conn = sockets.getServerConn();
	const target = {
		host: conn.slice(0, conn.lastIndexOf(":")),
		port: Number(conn.slice(conn.lastIndexOf(":") + 1)),
	};
	// PGlite is a single session: HTTP queries, batches and relay transactions take turns here.
	const gate = new Mutex();

	/**
	 * PGlite's query() parses values into JS and re-serialises parameters by type (rejecting text
	 * for bytea), so speak the extended protocol directly: parameters go in as text, rows come
	 * back as raw text with full RowDescription fields, errors as raw ErrorResponse fields.
	 */
	async function run(message: Uint8Array): Promise<SqlResult> {
		// Not execProtocol(): after pglite-socket's execProtocolRawStream it leaves that stream's output
		// callback installed, so our replies would be written to a relay client's socket.
		const replies = await db.execProtocolStream(message, {
			throwOnError: false,
			syncToFs: true,
		});
		const result: SqlResult = {
			fields: [],
			rows: [],
			command: "",
			rowCount: null,
		};
		for (const m of replies) {
			if (m instanceof messages.DatabaseError) throw m;
			if (m instanceof messages.RowDescriptionMessage) {
				result.fields = m.fields.map(toField);
			} else if (m instanceof messages.DataRowMessage) {
				result.rows.push(m.fields);
			} else if (m instanceof messages.CommandCompleteMessage) {
				Object.assign(result, parseTag(m.text));
			}
		}
		return result;
	}
	const extended = ({ query, params }: SqlQuery) =>
		run(
			Buffer.concat([
				serialize.parse({ text: query }),
				serialize.bind({ values: params }),
				serialize.describe({ type: "P" }),
				serialize.execute({}),
				serialize.sync(),
			]),
		);
	const simple = (sql: string) => run(serialize.query(sql));

	return {
		kind: "pglite",
		relay: connectRelay(target, log, {
			gate,
			async abandon() {
				// A client vanished mid-transaction: pglite-socket rolls back on detach; make sure.
				for (let i = 0; i < 100 && db.isInTransaction(); i++)
					await new Promise((r) => setTimeout(r, 10));
				if (db.isInTransaction())
					await db.runExclusive(() => simple("ROLLBACK"));
			},
		}),
		execute: (queries, batch) =>
			gate.run(() =>
				// runExclusive also waits out pglite-socket finishing a message it already started.
				db.runExclusive(async () => {
					try {
						if (batch === null) return [await extended(queries[0] as SqlQuery)];
						return await inTransaction(
							simple,
							batch,
							async () => {
								const results: SqlResult[] = [];
								for (const q of queries) results.push(await extended(q));
								return results;
							},
							(err) =>
								log(`neon proxy: PGlite ROLLBACK failed: ${String(err)}`),
						);
					} finally {
						// Over HTTP a stray BEGIN must not leave the one shared session inside a transaction.
						if (db.isInTransaction()) {
							log(
								"neon proxy: an HTTP query left a transaction open; rolled back",
							);
							await simple("ROLLBACK");
						}
					}
				}),
			),
		async close() {
			await sockets.stop();
			await db.close();
		},
	};
}
