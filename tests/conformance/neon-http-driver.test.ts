import { type NeonQueryFunction, neon } from "@neondatabase/serverless";
import { sql as dsql, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-http";
import {
	bigint,
	boolean,
	date,
	integer,
	jsonb,
	numeric,
	pgTable,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

beforeAll(async () => {
	env = await startTestStack();
	useNeonStack(env.stack);
	sql = neon(env.stack.connectionString);
});
afterAll(() => env?.close());

const MATRIX = `select 42::int as int, 9007199254740993::bigint as big, 12.50::numeric as num,
	'héllo ✓'::text as txt, true as yes, '7d444840-9dc0-11d1-b245-5ffdce74fad2'::uuid as id,
	'2024-03-01T12:34:56.789Z'::timestamptz as ts, '2024-03-01'::date as day,
	'{"a":[1,"x"],"b":null}'::jsonb as doc, array['a','b c',null]::text[] as tags,
	null::text as nothing, '\\x00ff'::bytea as bytes, array[1,2]::int[] as ints`;

describe("neon() over the proxy", () => {
	it("returns every column type as the driver parses Postgres text output", async () => {
		const [row] = await sql.query(MATRIX);
		expect(row).toEqual({
			int: 42,
			big: "9007199254740993",
			num: "12.50",
			txt: "héllo ✓",
			yes: true,
			id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
			ts: new Date("2024-03-01T12:34:56.789Z"),
			day: new Date(2024, 2, 1),
			doc: { a: [1, "x"], b: null },
			tags: ["a", "b c", null],
			nothing: null,
			bytes: Buffer.from([0, 255]),
			ints: [1, 2],
		});
	});

	it("matches a direct pg connection row for row", async () => {
		const client = new pg.Client({ connectionString: env.directDatabaseUrl });
		await client.connect();
		try {
			const direct = await client.query(MATRIX);
			expect(await sql.query(MATRIX)).toEqual(direct.rows);
		} finally {
			await client.end();
		}
	});

	it("round-trips JS parameters serialised by the driver", async () => {
		const params = [
			new Date("2024-03-01T12:34:56.789Z"),
			["x", "y z", null],
			{ k: [1, 2] },
			Buffer.from([1, 255]),
			false,
			null,
		];
		const [row] = await sql.query(
			"select $1::timestamptz a, $2::text[] b, $3::jsonb c, $4::bytea d, $5::bool e, $6::int f",
			params,
		);
		expect(row).toEqual({
			a: params[0],
			b: params[1],
			c: params[2],
			d: params[3],
			e: false,
			f: null,
		});
	});

	it("reports command and row count in full results", async () => {
		const table = unique("counts");
		await sql.query(`create table ${table} (id int)`);
		const inserted = await sql.query(
			`insert into ${table} select generate_series(1, 3)`,
			[],
			{ fullResults: true },
		);
		expect(inserted).toMatchObject({ command: "INSERT", rowCount: 3 });
		const selected = await sql.query(
			`select id from ${table} order by id`,
			[],
			{ fullResults: true, arrayMode: true },
		);
		expect(selected).toMatchObject({
			command: "SELECT",
			rowCount: 3,
			rows: [[1], [2], [3]],
		});
		expect(selected.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
			["id", 23],
		]);
	});

	it("surfaces unique violations with SQLSTATE 23505 and the constraint name", async () => {
		const table = unique("uniq");
		await sql.query(
			`create table ${table} (email text constraint ${table}_email_key unique)`,
		);
		await sql.query(`insert into ${table} values ('a@x')`);
		const err = await caught(() =>
			sql.query(`insert into ${table} values ('a@x')`),
		);
		expect(pgErrorOf(err)).toEqual({
			code: "23505",
			constraint: `${table}_email_key`,
		});
		expect(err).toMatchObject({
			severity: "ERROR",
			table,
			detail: expect.stringContaining("a@x"),
		});
	});

	it("rejects several statements in one query, as Neon's extended protocol does", async () => {
		const err = await caught(() => sql.query("select 1; select 2"));
		expect(pgErrorOf(err).code).toBe("42601");
	});

	it("rolls back the whole transaction when one statement fails", async () => {
		const table = unique("tx");
		await sql.query(`create table ${table} (id int primary key)`);
		const err = await caught(() =>
			sql.transaction([
				sql.query(`insert into ${table} values (1)`),
				sql.query(`insert into ${table} values (1)`),
			]),
		);
		expect(pgErrorOf(err).code).toBe("23505");
		expect(await sql.query(`select count(*)::int as n from ${table}`)).toEqual([
			{ n: 0 },
		]);
	});

	it("commits a successful transaction and returns each statement's rows", async () => {
		const table = unique("txok");
		await sql.query(`create table ${table} (id int primary key)`);
		const [ins, sel] = await sql.transaction([
			sql.query(`insert into ${table} values (1), (2) returning id`),
			sql.query(`select count(*)::int as n from ${table}`),
		]);
		expect(ins).toEqual([{ id: 1 }, { id: 2 }]);
		expect(sel).toEqual([{ n: 2 }]);
	});

	it("runs read-only transactions read-only and honours the isolation level", async () => {
		const results = await sql.transaction([sql`show transaction_isolation`], {
			isolationLevel: "Serializable",
			readOnly: true,
		});
		expect(results).toEqual([[{ transaction_isolation: "serializable" }]]);
		const err = await caught(() =>
			sql.transaction(
				[sql`create table ${sql.unsafe(unique("ro"))} (id int)`],
				{ readOnly: true },
			),
		);
		expect(pgErrorOf(err).code).toBe("25006");
	});
});

const items = pgTable("drizzle_items", {
	id: uuid("id").primaryKey().defaultRandom(),
	sku: text("sku").notNull().unique("drizzle_items_sku_key"),
	qty: integer("qty").notNull(),
	big: bigint("big", { mode: "bigint" }).notNull(),
	price: numeric("price", { precision: 10, scale: 2 }).notNull(),
	active: boolean("active").notNull(),
	createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
	day: date("day").notNull(),
	meta: jsonb("meta").$type<{ tags: string[] }>().notNull(),
	labels: text("labels").array().notNull(),
	note: text("note"),
});

describe("drizzle-orm/neon-http over the proxy", () => {
	beforeAll(async () => {
		await sql.query(`create table drizzle_items (
			id uuid primary key default gen_random_uuid(), sku text not null constraint drizzle_items_sku_key unique,
			qty int not null, big bigint not null, price numeric(10,2) not null, active boolean not null,
			created_at timestamptz not null, day date not null, meta jsonb not null, labels text[] not null, note text)`);
	});

	const db = () => drizzle({ client: sql });
	const sample = (sku: string) => ({
		sku,
		qty: 3,
		big: 9007199254740993n,
		price: "19.90",
		active: true,
		createdAt: new Date("2024-03-01T12:34:56.789Z"),
		day: "2024-03-01",
		meta: { tags: ["a", "b"] },
		labels: ["x", "y z"],
		note: null,
	});

	it("inserts and reads back every mapped column type", async () => {
		const sku = unique("sku");
		const [inserted] = await db().insert(items).values(sample(sku)).returning();
		const [read] = await db().select().from(items).where(eq(items.sku, sku));
		expect(read).toEqual(inserted);
		expect(read).toMatchObject(sample(sku));
		expect(read?.id).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("wraps constraint violations with the Postgres error as the cause", async () => {
		const sku = unique("dup");
		await db().insert(items).values(sample(sku));
		const err = await caught(() => db().insert(items).values(sample(sku)));
		expect(pgErrorOf(err)).toEqual({
			code: "23505",
			constraint: "drizzle_items_sku_key",
		});
	});

	it("rolls back a batch when a later statement fails", async () => {
		const sku = unique("batch");
		const err = await caught(() =>
			db().batch([
				db().insert(items).values(sample(sku)),
				db().insert(items).values(sample(sku)),
			]),
		);
		expect(pgErrorOf(err).code).toBe("23505");
		const [{ n }] = (
			await db().execute(
				dsql`select count(*)::int as n from drizzle_items where sku = ${sku}`,
			)
		).rows as [{ n: number }];
		expect(n).toBe(0);
	});
});
