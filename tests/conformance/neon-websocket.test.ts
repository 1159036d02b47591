/** Pool/Client over the /v2 WebSocket relay: interactive transactions and their isolation. */
import {
	type NeonQueryFunction,
	neon,
	Pool,
	type PoolClient,
} from "@neondatabase/serverless";
import {
	afterAll,
	afterEach,
	beforeAll,
	beforeEach,
	describe,
	expect,
	it,
} from "vitest";
import {
	caught,
	pgErrorOf,
	startTestStack,
	type TestStack,
	unique,
	useNeonStack,
} from "./helpers";

let env: TestStack;
let sql: NeonQueryFunction<false, false>;
let pool: Pool;
let table: string;

beforeAll(async () => {
	env = await startTestStack();
	useNeonStack(env.stack);
	sql = neon(env.stack.connectionString);
});
afterAll(() => env?.close());

beforeEach(async () => {
	pool = new Pool({ connectionString: env.stack.connectionString, max: 5 });
	table = unique("stock");
	await sql.query(
		`create table ${table} (sku text primary key, qty int not null check (qty >= 0))`,
	);
	await sql.query(`insert into ${table} values ('a', 3)`);
});
afterEach(() => pool.end());

const qty = async () =>
	(await sql.query(`select qty from ${table} where sku = 'a'`))[0]?.qty;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inTransaction<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	try {
		await client.query("BEGIN");
		const out = await fn(client);
		await client.query("COMMIT");
		return out;
	} catch (err) {
		await client.query("ROLLBACK");
		throw err;
	} finally {
		client.release();
	}
}

describe("Pool over the WebSocket relay", () => {
	it("commits an interactive transaction (SELECT … FOR UPDATE, UPDATE, COMMIT)", async () => {
		await inTransaction(async (c) => {
			const { rows } = await c.query<{ qty: number }>(
				`select qty from ${table} where sku = $1 for update`,
				["a"],
			);
			await c.query(`update ${table} set qty = $1 where sku = 'a'`, [
				(rows[0]?.qty ?? 0) - 1,
			]);
		});
		expect(await qty()).toBe(2);
	});

	it("discards the work of a rolled-back transaction", async () => {
		const client = await pool.connect();
		try {
			await client.query("BEGIN");
			await client.query(`update ${table} set qty = 0 where sku = 'a'`);
			await client.query("ROLLBACK");
		} finally {
			client.release();
		}
		expect(await qty()).toBe(3);
	});

	it("reports constraint errors with SQLSTATE and keeps the connection usable after ROLLBACK", async () => {
		const client = await pool.connect();
		try {
			await client.query("BEGIN");
			const err = await caught(() =>
				client.query(`update ${table} set qty = -1 where sku = 'a'`),
			);
			expect(pgErrorOf(err)).toEqual({
				code: "23514",
				constraint: `${table}_qty_check`,
			});
			await client.query("ROLLBACK");
			expect((await client.query("select 1 as ok")).rows).toEqual([{ ok: 1 }]);
		} finally {
			client.release();
		}
	});

	it("never oversells under concurrent FOR UPDATE decrements", async () => {
		const attempt = () =>
			inTransaction(async (c) => {
				const { rows } = await c.query<{ qty: number }>(
					`select qty from ${table} where sku = 'a' for update`,
				);
				if ((rows[0]?.qty ?? 0) <= 0) return false;
				await c.query(`update ${table} set qty = qty - 1 where sku = 'a'`);
				return true;
			});
		const outcomes = await Promise.all(Array.from({ length: 5 }, attempt));
		expect(outcomes.filter(Boolean)).toHaveLength(3);
		expect(await qty()).toBe(0);
	});

	it("keeps an HTTP write out of an open relay transaction that later rolls back", async () => {
		const client = await pool.connect();
		try {
			await client.query("BEGIN");
			await client.query(`insert into ${table} values ('in-tx', 1)`);
			// Started, not awaited: its own session commits while the relay transaction is open.
			const httpInsert = sql
				.query(`insert into ${table} values ('via-http', 1)`)
				.then(() => "done");
			await sleep(50);
			await client.query("ROLLBACK");
			expect(await httpInsert).toBe("done");
		} finally {
			client.release();
		}
		expect(
			await sql.query(`select sku from ${table} where sku <> 'a' order by sku`),
		).toEqual([{ sku: "via-http" }]);
	});

	it("keeps two connections' transactions apart", async () => {
		const first = await pool.connect();
		const second = await pool.connect();
		try {
			await first.query("BEGIN");
			await first.query(`insert into ${table} values ('first', 1)`);
			const other = (async () => {
				await second.query("BEGIN");
				await second.query(`insert into ${table} values ('second', 1)`);
				await second.query("COMMIT");
			})();
			await sleep(50);
			await first.query("ROLLBACK");
			await other;
		} finally {
			first.release();
			second.release();
		}
		expect(
			await sql.query(`select sku from ${table} where sku <> 'a'`),
		).toEqual([{ sku: "second" }]);
	});

	it("rolls back and frees the database when a client disconnects mid-transaction", async () => {
		const client = await pool.connect();
		await client.query("BEGIN");
		await client.query(`update ${table} set qty = 0 where sku = 'a'`);
		client.release(new Error("drop this connection"));
		expect(await qty()).toBe(3);
		await inTransaction((c) =>
			c.query(`update ${table} set qty = 1 where sku = 'a'`),
		);
		expect(await qty()).toBe(1);
	});
});
