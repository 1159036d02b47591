import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log, setLogLevel } from "../../src/lib/log";
import { testDb } from "./helpers/db";

afterEach(() => {
	vi.restoreAllMocks();
	setLogLevel("error");
});

/** A real failed query whose parameters are personal data, as Drizzle reports it. */
async function failedQuery(): Promise<Error> {
	try {
		await testDb().execute(
			sql`select ${"ada.secret@example.com"}::int, ${"9f86d081884c7d659a2feaa0c55ad015"}::int`,
		);
	} catch (err) {
		return err as Error;
	}
	throw new Error("the query should have failed");
}

describe("log lines", () => {
	it("never carry a failed query's parameters, however the error was turned into fields", async () => {
		const err = await failedQuery();
		expect(String(err)).toContain("ada.secret@example.com");
		const lines: string[] = [];
		vi.spyOn(console, "error").mockImplementation((line) => {
			lines.push(String(line));
		});
		log("error", "consumer error", { error: String(err) });
		log("error", "job failed", { error: err.message, stack: err.stack });
		log("error", "nested", {
			error: { message: err.message, causes: [String(err)] },
		});
		expect(lines).toHaveLength(3);
		for (const line of lines) {
			expect(line).not.toContain("ada.secret@example.com");
			expect(line).not.toContain("9f86d081884c7d659a2feaa0c55ad015");
			expect(line).toContain("params: [redacted]");
			// The query text itself stays, for debugging.
			expect(line).toContain("select $1::int");
		}
	});

	it("leaves other fields as they are", () => {
		const lines: string[] = [];
		vi.spyOn(console, "error").mockImplementation((line) => {
			lines.push(String(line));
		});
		log("error", "plain", { orderId: "o-1", count: 3, nested: { ok: true } });
		expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
			msg: "plain",
			orderId: "o-1",
			count: 3,
			nested: { ok: true },
		});
	});
});
