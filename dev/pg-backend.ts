/**
 * The PostgreSQL behind the Neon proxy (embedded or an existing server), through a pg.Pool:
 * answers with Postgres text output and raw wire errors, as Neon does.
 */
import pg from "pg";
import { connectRelay, type Relay } from "./pg-relay";

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

/** A Postgres ErrorResponse as pg surfaces it. */
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

export async function createPostgresBackend(
	databaseUrl: string,
	log: (line: string) => void,
): Promise<SqlBackend> {
	const pool = new pg.Pool({
		connectionString: databaseUrl,
		max: 20,
		// Neon answers with Postgres text output and the driver parses it by OID; so must we.
		types: { getTypeParser: () => (value: string) => value },
	});
	pool.on("error", (err) =>
		log(`neon proxy: idle PostgreSQL connection failed: ${err.message}`),
	);
	// A connection that dies while checked out (backend terminated, server restarting) fails its
	// query, which the client gets as an error; without a listener its 'error' event would also
	// crash the whole stack.
	pool.on("connect", (client) =>
		client.on("error", (err) =>
			log(`neon proxy: PostgreSQL connection failed: ${err.message}`),
		),
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
		relay: connectRelay(target, log),
		async execute(queries, batch) {
			const client = await pool.connect();
			let broken: Error | undefined;
			try {
				if (batch === null) return [await run(client, queries[0] as SqlQuery)];
				await client.query(beginStatement(batch));
				try {
					const results: SqlResult[] = [];
					for (const q of queries) results.push(await run(client, q));
					await client.query("COMMIT");
					return results;
				} catch (err) {
					// The statement's error is what the client needs, not a follow-on rollback failure;
					// a connection that cannot roll back is not reused.
					await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
						broken = asError(rollbackErr);
					});
					throw err;
				}
			} catch (err) {
				// Only a connection-level failure makes the client unfit for reuse.
				if (!isPgError(err)) broken = asError(err);
				throw err;
			} finally {
				client.release(broken);
			}
		},
		close: () => pool.end(),
	};
}

function asError(err: unknown): Error {
	return err instanceof Error ? err : new Error(String(err));
}
