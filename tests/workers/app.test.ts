import { env } from "cloudflare:workers";
import { createRoute, z } from "@hono/zod-openapi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { ERROR_STATUS, type ErrorCode } from "../../src/lib/errors";
import { errorComponentName, jsonContent } from "../../src/lib/openapi";
import {
	call,
	callWith,
	dbRoundTrips,
	expectError,
	json,
} from "./helpers/http";

/** The real app plus two probe routes, to exercise body parsing and the unknown-error path. */
function probeApp() {
	const app = createApp();
	app.openapi(
		createRoute({
			method: "post",
			path: "/v1/probe",
			request: {
				body: {
					required: true,
					content: {
						"application/json": {
							schema: z.object({
								name: z.string().min(1),
								qty: z.number().int().positive(),
							}),
						},
					},
				},
			},
			responses: {
				200: jsonContent(
					z.object({ name: z.string(), qty: z.number() }),
					"echo",
				),
			},
		}),
		(c) => c.json(c.req.valid("json"), 200),
	);
	app.get("/v1/boom", () => {
		throw new Error("secret internal detail: password=hunter2");
	});
	return (path: string, init?: RequestInit) =>
		callWith(env, path, init, { app, ownRoutes: true });
}

afterEach(() => vi.restoreAllMocks());

describe("every response", () => {
	it("carries x-request-id, Server-Timing with db round trips, and secure headers", async () => {
		const res = await call("/health/live");
		expect(res.status).toBe(200);
		expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
		expect(dbRoundTrips(res)).toBe(0);
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
	});

	it("echoes a sane x-request-id and replaces an unsafe one", async () => {
		const kept = await call("/health/live", {
			headers: { "x-request-id": "req-abc_123" },
		});
		expect(kept.headers.get("x-request-id")).toBe("req-abc_123");
		const replaced = await call("/health/live", {
			headers: { "x-request-id": 'bad id"<script>' },
		});
		expect(replaced.headers.get("x-request-id")).not.toContain("<");
		const tooLong = await call("/health/live", {
			headers: { "x-request-id": "a".repeat(129) },
		});
		expect(tooLong.headers.get("x-request-id")).toHaveLength(36);
	});

	it("writes one structured JSON log line per request", async () => {
		const logs = vi.spyOn(console, "log").mockImplementation(() => {});
		const res = await callWith({ ...env, LOG_LEVEL: "info" }, "/health/live", {
			headers: { "x-request-id": "log-line-test" },
		});
		const lines = logs.mock.calls
			.map(([line]) => JSON.parse(String(line)))
			.filter((l) => l.requestId === "log-line-test");
		expect(res.status).toBe(200);
		expect(lines).toEqual([
			expect.objectContaining({
				level: "info",
				msg: "request",
				method: "GET",
				path: "/health/live",
				status: 200,
				durationMs: expect.any(Number),
				dbRoundTrips: 0,
				time: expect.any(String),
			}),
		]);
	});
});

describe("routing errors", () => {
	it("answers an unknown route with 404 NOT_FOUND in the envelope", async () => {
		const res = await call("/v1/does-not-exist");
		await expectError(res, 404, "NOT_FOUND");
		expect(res.headers.get("Server-Timing")).toContain("db;desc=");
	});

	it("answers a wrong method with 405 METHOD_NOT_ALLOWED and an Allow header", async () => {
		const res = await call("/health/live", { method: "DELETE" });
		await expectError(res, 405, "METHOD_NOT_ALLOWED");
		expect(res.headers.get("Allow")).toBe("GET, HEAD");
	});
});

describe("request bodies", () => {
	const probe = probeApp();

	it("accepts a valid JSON body", async () => {
		const res = await probe("/v1/probe", json({ name: "x", qty: 2 }));
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ name: "x", qty: 2 });
	});

	it("answers malformed JSON with 400 INVALID_JSON", async () => {
		const res = await probe("/v1/probe", {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: '{"name": "x",',
		});
		await expectError(res, 400, "INVALID_JSON");
	});

	it("answers schema failures with 400 VALIDATION_FAILED and per-field details", async () => {
		const res = await probe("/v1/probe", json({ name: "", qty: -1 }));
		const error = await expectError(res, 400, "VALIDATION_FAILED");
		expect(error.details).toMatchObject({
			fields: expect.arrayContaining([
				expect.objectContaining({ path: "name" }),
				expect.objectContaining({ path: "qty" }),
			]),
		});
	});

	it("answers a body over the limit with 413 PAYLOAD_TOO_LARGE, declared or streamed", async () => {
		const big = JSON.stringify({ name: "x".repeat(70_000), qty: 1 });
		await expectError(
			await probe("/v1/probe", json(JSON.parse(big))),
			413,
			"PAYLOAD_TOO_LARGE",
		);
		const stream = new Blob([big]).stream();
		const chunked = await probe("/v1/probe", {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: stream,
			// @ts-expect-error workerd needs duplex for streamed request bodies
			duplex: "half",
		});
		await expectError(chunked, 413, "PAYLOAD_TOO_LARGE");
	});

	it("answers a non-JSON content type with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
		const res = await probe("/v1/probe", {
			method: "POST",
			headers: { "Content-Type": "text/plain" },
			body: "name=x",
		});
		await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
	});

	it("answers a body without a content type with 415", async () => {
		const res = await probe("/v1/probe", {
			method: "POST",
			body: new Uint8Array([123, 125]),
		});
		await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
	});
});

describe("unknown errors", () => {
	it("answers 500 INTERNAL without leaking internals, and logs the stack with the request id", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const res = await probeApp()("/v1/boom", {
			headers: { "x-request-id": "boom-1" },
		});
		const error = await expectError(res, 500, "INTERNAL");
		expect(JSON.stringify(error)).not.toContain("hunter2");
		const logged = errors.mock.calls
			.map(([line]) => String(line))
			.find((l) => l.includes("unhandled error"));
		expect(JSON.parse(logged ?? "{}")).toMatchObject({
			requestId: "boom-1",
			error: {
				message: expect.stringContaining("hunter2"),
				stack: expect.stringContaining("Error"),
			},
		});
	});
});

describe("CORS", () => {
	it("allows a configured origin with credentials and exposes Server-Timing", async () => {
		const res = await call("/health/live", {
			method: "OPTIONS",
			headers: {
				Origin: "http://localhost:3000",
				"Access-Control-Request-Method": "POST",
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers.get("Access-Control-Allow-Origin")).toBe(
			"http://localhost:3000",
		);
		expect(res.headers.get("Access-Control-Allow-Credentials")).toBe("true");
		const get = await call("/health/live", {
			headers: { Origin: "http://localhost:3000" },
		});
		expect(get.headers.get("Access-Control-Expose-Headers")).toContain(
			"Server-Timing",
		);
	});

	it("does not allow an unknown origin", async () => {
		const res = await call("/health/live", {
			headers: { Origin: "https://evil.example" },
		});
		expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
	});
});

interface DocResponse {
	description: string;
	headers?: Record<string, unknown>;
	content?: Record<
		string,
		{ schema?: { $ref?: string; anyOf?: { $ref?: string }[] } }
	>;
}
interface DocOperation {
	operationId?: string;
	tags?: string[];
	security?: unknown[];
	responses: Record<string, DocResponse>;
}
interface Doc {
	paths: Record<string, Record<string, DocOperation>>;
	components: {
		schemas: Record<
			string,
			{
				properties?: {
					error: {
						required?: string[];
						properties: { code: { enum: string[] } };
					};
				};
			}
		>;
	};
}

function operations(doc: Doc) {
	return Object.entries(doc.paths).flatMap(([path, methods]) =>
		Object.entries(methods).map(([method, op]) => ({
			at: `${method.toUpperCase()} ${path}`,
			op,
		})),
	);
}

describe("GET /v1/openapi.json", () => {
	it("serves the OpenAPI document", async () => {
		const res = await call("/v1/openapi.json");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			openapi: "3.1.0",
			info: { title: "VoidShop API" },
		});
	});

	it("names the configured PUBLIC_API_URL as its server, whatever Host the request carries", async () => {
		const res = await call("/v1/openapi.json", {
			headers: { Host: "evil.example", "X-Forwarded-Host": "evil.example" },
		});
		const doc = (await res.json()) as { servers: { url: string }[] };
		// Paths are absolute (/v1/…, /health/…): the server is the origin.
		expect(doc.servers).toEqual([{ url: "https://api.voidshop.test" }]);
		const other = await createApp().request(
			"http://evil.example/v1/openapi.json",
			{},
			{ ...env, PUBLIC_API_URL: undefined },
		);
		// Unconfigured: a URL relative to wherever the document was fetched from.
		expect(
			((await other.json()) as { servers: { url: string }[] }).servers,
		).toEqual([{ url: "/" }]);
	});

	it("documents every error response with the envelope, under the status the runtime answers with", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as Doc;
		const codes =
			doc.components.schemas.Error?.properties?.error.properties.code.enum;
		expect(codes?.sort()).toEqual(Object.keys(ERROR_STATUS).sort());
		const errors = operations(doc).flatMap(({ at, op }) =>
			Object.entries(op.responses)
				.filter(([status]) => Number(status) >= 400)
				.map(([status, response]) => ({ at, status, response })),
		);
		expect(errors.length).toBeGreaterThan(300);
		for (const { at, status, response } of errors) {
			const schema = response.content?.["application/json"]?.schema;
			const refs = schema?.$ref
				? [schema.$ref]
				: (schema?.anyOf ?? []).map((s) => s.$ref);
			// Each code is its own envelope component, named after it and under its status.
			const documented = refs.map((ref) => {
				const name = ref?.replace("#/components/schemas/", "") ?? "";
				const code = Object.keys(ERROR_STATUS).find(
					(c) => errorComponentName(c as ErrorCode) === name,
				);
				return code as ErrorCode;
			});
			expect(documented.length, at).toBeGreaterThan(0);
			expect(response.description, at).toBe(documented.join(", "));
			for (const code of documented)
				expect([at, code, ERROR_STATUS[code]]).toEqual([
					at,
					code,
					Number(status),
				]);
		}
	});

	it("gives every operation a unique operationId, a tag, security and the common headers", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as Doc;
		const ops = operations(doc);
		expect(ops.length).toBeGreaterThan(60);
		const ids = ops.map(({ op }) => op.operationId);
		expect(new Set(ids).size).toBe(ids.length);
		for (const { at, op } of ops) {
			expect(op.operationId, at).toMatch(/^[a-z][A-Za-z0-9]+$/);
			expect(op.tags?.length, at).toBeGreaterThan(0);
			expect(op.security, at).toBeInstanceOf(Array);
			if (at.includes(" /v1/admin/"))
				expect(op.security, at).toEqual([{ bearer: [] }]);
			expect(op.responses["500"], at).toBeDefined();
			for (const [status, response] of Object.entries(op.responses))
				expect(Object.keys(response.headers ?? {}), `${at} ${status}`).toEqual(
					expect.arrayContaining(["X-Request-Id", "Server-Timing"]),
				);
		}
		// /health is documented with /v1: paths are absolute, the server is the origin.
		expect(doc.paths["/health/ready"]?.get?.responses).toHaveProperty("503");
		expect(
			doc.components.schemas.ErrorValidationFailed?.properties?.error,
		).toMatchObject({ required: expect.arrayContaining(["details"]) });
	});
});
