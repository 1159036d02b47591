import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app";
import { conform, documentOf } from "./helpers/contract";
import {
	type ContractDocument,
	prepareContract,
} from "./helpers/contract-document";
import { BASE } from "./helpers/http";

/** The contract check itself: what it must refuse, with messages precise enough to fix the document. */
function exchange(
	method: string,
	path: string,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
) {
	return conform(
		new Request(`${BASE}${path}`, { method }),
		new Response(body === undefined ? null : JSON.stringify(body), {
			status,
			headers: { "Content-Type": "application/json", ...headers },
		}),
	);
}

const envelope = (code: string, details?: unknown) => ({
	error: { code, message: "m", requestId: "r", details },
});

describe("the contract check on every test response", () => {
	it("passes a documented status with a matching body", async () => {
		const res = await exchange("GET", "/health/live", 200, { status: "ok" });
		expect(await res.json()).toEqual({ status: "ok" });
	});

	it("fails a status the operation does not document, naming the operation", async () => {
		await expect(
			exchange("GET", "/health/live", 409, envelope("CONFLICT")),
		).rejects.toThrow(
			"contract: GET /health/live (getHealthLive) → 409: status 409 is not documented",
		);
	});

	it("fails a body that does not match, with the JSON pointer of the mismatch", async () => {
		await expect(
			exchange("GET", "/health/live", 200, { status: "fine" }),
		).rejects.toThrow(/at \/status: /);
		await expect(
			exchange(
				"POST",
				"/v1/cart/items",
				400,
				envelope("VALIDATION_FAILED", {
					fields: [{ path: "x", message: "m" }],
				}),
			),
		).rejects.toThrow(/at \/error\/details\/fields\/0: .*"code"/);
	});

	it("fails a property the document does not describe", async () => {
		await expect(
			exchange("GET", "/health/live", 200, { status: "ok", uptime: 1 }),
		).rejects.toThrow(/at \/uptime: a property the document does not describe/);
	});

	it("fails a timestamp that is not ISO 8601 UTC", async () => {
		const mail = (sentAt: string) => ({
			data: [
				{
					to: { email: "a@b.test", name: "A" },
					template: "t",
					idempotencyKey: "k",
					subject: "s",
					text: "t",
					html: "h",
					sentAt,
				},
			],
			nextCursor: null,
		});
		await exchange(
			"GET",
			"/v1/dev/emails",
			200,
			mail("2026-10-26T00:03:52.123Z"),
		);
		// RFC 3339 (JSON Schema's date-time) allows all of these; the API promises the first form.
		for (const sentAt of [
			"2026-10-26 00:03:52.123+00:00",
			"2026-10-26T00:03:52+02:00",
			"2026-10-26 00:03:52+00",
		])
			await expect(
				exchange("GET", "/v1/dev/emails", 200, mail(sentAt)),
				sentAt,
			).rejects.toThrow(/at \/data\/0\/sentAt: /);
	});

	it("fails an error code the response does not list", async () => {
		await expect(
			exchange("GET", "/v1/cart", 409, envelope("CART_FULL")),
		).rejects.toThrow(/status 409 is not documented/);
		await expect(
			exchange("POST", "/v1/cart/items", 409, envelope("REFUND_TOO_LARGE")),
		).rejects.toThrow(/at \/error\/code: /);
	});

	it("fails a tracked header the response does not document", async () => {
		await expect(
			exchange("GET", "/health/live", 200, { status: "ok" }, { ETag: '"x"' }),
		).rejects.toThrow("sets header ETag, which the document does not list");
	});

	it("holds undocumented paths and methods to the error envelope", async () => {
		await exchange("GET", "/nowhere", 404, envelope("NOT_FOUND"));
		await exchange("PUT", "/health/live", 405, envelope("METHOD_NOT_ALLOWED"), {
			Allow: "GET",
		});
		await expect(
			exchange("GET", "/nowhere", 200, { ok: true }),
		).rejects.toThrow(/undocumented path/);
		await expect(
			exchange("GET", "/nowhere", 404, { error: "nope" }),
		).rejects.toThrow(/body does not match/);
	});

	it("checks against the document the app builds (generated once per run, in Node)", () => {
		// tests/global-setup.ts generates the document in a child process; any drift from what the
		// Worker's own code builds (a stale or foreign document) would make every check meaningless.
		const { servers: _, ...injected } = JSON.parse(inject("contract"));
		const { servers: __, ...built } = prepareContract(
			documentOf(createApp()),
		) as ContractDocument & { servers: unknown };
		expect(injected).toEqual(built);
	});

	it("refuses, at the start of the run, a reference the check could not resolve", () => {
		const doc = (ref: string): ContractDocument => ({
			paths: {
				"/x": {
					get: {
						operationId: "getX",
						responses: {
							200: {
								description: "x",
								content: { "application/json": { schema: { $ref: ref } } },
							},
						},
					},
				},
			},
			components: { schemas: { Known: { type: "object" } } },
		});
		expect(() =>
			prepareContract(doc("#/components/schemas/Known")),
		).not.toThrow();
		expect(() => prepareContract(doc("#/components/schemas/Gone"))).toThrow(
			"$ref #/components/schemas/Gone is not a schema component",
		);
		expect(() =>
			prepareContract(doc("https://elsewhere.test/schema.json")),
		).toThrow("is not a schema component");
	});
});
