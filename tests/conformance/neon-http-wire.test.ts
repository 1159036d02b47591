/** The proxy's HTTP wire format, checked byte-for-byte against what Neon answers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack, unique } from "./helpers";

let env: TestStack;
beforeAll(async () => {
	env = await startTestStack();
});
afterAll(() => env?.close());

/** Posts like the driver does: no Content-Type, Neon-* headers. */
function post(
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return fetch(`${env.stack.neonHttpUrl}/sql`, {
		method: "POST",
		body: typeof body === "string" ? body : JSON.stringify(body),
		headers: {
			"Neon-Connection-String": env.stack.connectionString,
			"Neon-Raw-Text-Output": "true",
			"Neon-Array-Mode": "true",
			...headers,
		},
	});
}

const ERROR_KEYS = [
	"message",
	"code",
	"detail",
	"hint",
	"position",
	"internalPosition",
	"internalQuery",
	"severity",
	"where",
	"table",
	"column",
	"schema",
	"dataType",
	"constraint",
	"file",
	"line",
	"routine",
];

describe("POST /sql", () => {
	it("answers a query with fields, text rows, command and rowCount in array mode", async () => {
		const res = await post({
			query: "select $1::int as n, null::text as t, 2::bigint as b",
			params: ["7"],
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			fields: [
				{
					name: "n",
					dataTypeID: 23,
					tableID: 0,
					columnID: 0,
					dataTypeSize: 4,
					dataTypeModifier: -1,
					format: "text",
				},
				{
					name: "t",
					dataTypeID: 25,
					tableID: 0,
					columnID: 0,
					dataTypeSize: -1,
					dataTypeModifier: -1,
					format: "text",
				},
				{
					name: "b",
					dataTypeID: 20,
					tableID: 0,
					columnID: 0,
					dataTypeSize: 8,
					dataTypeModifier: -1,
					format: "text",
				},
			],
			rows: [["7", null, "2"]],
			command: "SELECT",
			rowCount: 1,
			rowAsArray: true,
		});
	});

	it("returns rows as objects when Neon-Array-Mode is not true", async () => {
		const res = await post(
			{ query: "select 1 as a, 'x' as b", params: [] },
			{ "Neon-Array-Mode": "false" },
		);
		expect(await res.json()).toMatchObject({
			rows: [{ a: "1", b: "x" }],
			rowAsArray: false,
		});
	});

	it("reports table and column ids for columns read from a table", async () => {
		const table = unique("wire");
		await post({
			query: `create table ${table} (id int, name text)`,
			params: [],
		});
		const res = await post({ query: `select name from ${table}`, params: [] });
		const { fields, rowCount } = (await res.json()) as {
			fields: { tableID: number; columnID: number }[];
			rowCount: number;
		};
		expect(fields[0]?.tableID).toBeGreaterThan(0);
		expect(fields[0]?.columnID).toBe(2);
		expect(rowCount).toBe(0);
	});

	it("gives a null rowCount for commands without one", async () => {
		const res = await post({
			query: `create table ${unique("ddl")} (id int)`,
			params: [],
		});
		expect(await res.json()).toMatchObject({
			command: "CREATE",
			rowCount: null,
			fields: [],
			rows: [],
		});
	});

	it("answers a batch with one result per query", async () => {
		const res = await post({
			queries: [
				{ query: "select 1 as one", params: [] },
				{ query: "select $1::text as two", params: ["2"] },
			],
		});
		const body = (await res.json()) as { results: { rows: unknown[] }[] };
		expect(body.results.map((r) => r.rows)).toEqual([[["1"]], [["2"]]]);
	});

	it("applies the Neon-Batch-* headers to the batch transaction", async () => {
		const res = await post(
			{
				queries: [
					{
						query:
							"select current_setting('transaction_isolation'), current_setting('transaction_read_only')",
						params: [],
					},
				],
			},
			{
				"Neon-Batch-Isolation-Level": "RepeatableRead",
				"Neon-Batch-Read-Only": "true",
				"Neon-Batch-Deferrable": "false",
			},
		);
		const body = (await res.json()) as { results: { rows: unknown[] }[] };
		expect(body.results[0]?.rows).toEqual([["repeatable read", "on"]]);
	});

	it("answers a Postgres error with 400 and every error field, absent ones null", async () => {
		const res = await post({ query: "select 1/0 as boom", params: [] });
		expect(res.status).toBe(400);
		const body = (await res.json()) as Record<string, unknown>;
		expect(Object.keys(body).sort()).toEqual([...ERROR_KEYS].sort());
		expect(body).toMatchObject({
			code: "22012",
			severity: "ERROR",
			message: "division by zero",
			constraint: null,
		});
		expect(typeof body.line).toBe("string");
	});

	it("gives the error position as a string", async () => {
		const res = await post({ query: "select nosuchcolumn", params: [] });
		expect(await res.json()).toMatchObject({ code: "42703", position: "8" });
	});

	it("rejects a body that is not JSON with a 400 message", async () => {
		const res = await post("{nope");
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({
			message: expect.stringContaining("JSON"),
			code: null,
		});
	});

	it("rejects an unknown isolation level", async () => {
		const res = await post(
			{ queries: [] },
			{ "Neon-Batch-Isolation-Level": "Chaos" },
		);
		expect(res.status).toBe(400);
	});
});

describe("GET /health", () => {
	it("answers 200", async () => {
		const res = await fetch(`${env.stack.neonHttpUrl}/health`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});
});
