import { type OutputUnit, validate } from "@cfworker/json-schema";
import { inject } from "vitest";
import type { createApp } from "../../../src/app";
import { ERROR_STATUS, type ErrorCode } from "../../../src/lib/errors";
import { errorComponentName } from "../../../src/lib/openapi";
import { openApiDocument } from "../../../src/lib/openapi-document";
import {
	type ContractDocument,
	type DocResponse,
	type Operation,
	prepareContract,
	SCHEMAS,
	type Schema,
} from "./contract-document";

/**
 * The contract check every test response goes through (call() and callWith() in http.ts): the
 * request is matched to its operation in the OpenAPI document (method + path template) and the
 * test fails when the status is not documented for it, when a JSON body does not match the
 * documented schema, or when the response sets a header the document does not list for it.
 * Requests to undocumented paths or methods must answer a documented error envelope (404, 405).
 *
 * Validation is @cfworker/json-schema, which interprets schemas instead of generating code.
 * Production workerd refuses `new Function`; the test pool happens to allow it today (so ajv
 * would run), but a check that needs no such privilege and no pre-compilation step cannot break
 * when the pool tightens.
 *
 * The document is generated and prepared once per run, in Node (tests/global-setup.ts,
 * contract-document.ts), and injected into every test file: a file only parses it and indexes
 * its paths and components (a few milliseconds), where building it in each file cost ~150 ms.
 * contract.test.ts checks the injected document is the one the app builds.
 */

interface Template {
	template: string;
	pattern: RegExp;
	/** Literal segments first: `/products/search` wins over `/products/{slug}`. */
	literals: number;
	operations: Record<string, Operation>;
}
interface Contract {
	templates: Template[];
	/** Every schema component by the exact `$ref` string that names it. */
	lookup: Record<string, Schema>;
}

/** Headers whose presence must be documented on the response that sets them. */
const TRACKED_HEADERS = [
	"X-Request-Id",
	"Server-Timing",
	"ETag",
	"X-Cart-Token",
	"Set-Cookie",
	"RateLimit-Limit",
	"RateLimit-Remaining",
	"RateLimit-Reset",
	"Retry-After",
	"Idempotent-Replayed",
	"Allow",
];

type App = ReturnType<typeof createApp>;
let standard: Contract | undefined;
/** Apps with test-only routes of their own, each checked against its own document. */
const custom = new WeakMap<App, Contract>();

function contract(app?: App): Contract {
	if (!app) {
		standard ??= index(JSON.parse(inject("contract")) as ContractDocument);
		return standard;
	}
	const compiled = custom.get(app) ?? index(prepareContract(documentOf(app)));
	custom.set(app, compiled);
	return compiled;
}

/** An app's document as the run's is generated (JSON, so in the same form as the injected one). */
export function documentOf(app: App): ContractDocument {
	return JSON.parse(
		JSON.stringify(openApiDocument(app, "http://voidshop.test")),
	) as ContractDocument;
}

/** The prepared document, indexed: path templates for matching, components for `$ref`s. */
function index(doc: ContractDocument): Contract {
	const templates = Object.entries(doc.paths).map(([template, item]) => {
		const segments = template.split("/").filter(Boolean);
		const source = segments
			.map((s) => (/^\{.+\}$/.test(s) ? "/[^/]+" : `/${escapeRegExp(s)}`))
			.join("");
		return {
			template,
			// Exact: the router is strict about trailing slashes (`/v1/categories/` is a 404).
			pattern: new RegExp(`^${source}$`),
			literals: segments.filter((s) => !s.startsWith("{")).length,
			operations: item,
		};
	});
	templates.sort((a, b) => b.literals - a.literals);
	const lookup: Record<string, Schema> = Object.create(null);
	for (const [name, schema] of Object.entries(doc.components.schemas))
		lookup[SCHEMAS + name] = schema;
	return { templates, lookup };
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function fail(label: string, problem: string): never {
	throw new Error(`contract: ${label}: ${problem}`);
}

/**
 * Checks one exchange against the document; returns the response untouched (the body is read
 * from a clone) or throws with the operation, the status and the JSON pointer of each mismatch.
 */
export async function conform(
	request: Request,
	response: Response,
	/** The app whose document applies, when it has test-only routes; else the API's. */
	app?: App,
): Promise<Response> {
	const method = request.method.toLowerCase();
	if (method === "options") return response; // CORS preflight: answered by the CORS middleware
	const pathname = new URL(request.url).pathname;
	// The API reference page (HTML for people, not part of the API; docs.test.ts checks it).
	if (pathname === "/docs" && (method === "get" || method === "head"))
		return response;
	const { templates, lookup } = contract(app);
	const path = new URL(request.url).pathname;
	const template = templates.find((t) => t.pattern.test(path));
	const operation =
		template?.operations[method === "head" ? "get" : method] ?? undefined;
	const label = operation
		? `${request.method} ${template?.template} (${operation.operationId}) → ${response.status}`
		: `${request.method} ${path} (undocumented ${template ? "method" : "path"}) → ${response.status}`;

	let documented: DocResponse;
	if (operation) {
		const found = operation.responses[String(response.status)];
		if (!found)
			fail(
				label,
				`status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(", ")})`,
			);
		documented = found;
	} else {
		// Anything outside the document must still be the documented error envelope, with a code
		// of its status (404 unknown path, 405 unknown method, 413 before routing, 500 the one
		// handler). Only an app's own test-only routes may answer anything else.
		const codes = Object.entries(ERROR_STATUS)
			.filter(([, status]) => status === response.status)
			.map(([code]) => code as ErrorCode);
		if (codes.length === 0) {
			if (app) return response;
			fail(
				label,
				"an undocumented route answered something other than an error",
			);
		}
		documented = {
			description: "undocumented route",
			headers: response.status === 405 ? { Allow: {} } : {},
			content: {
				"application/json": {
					schema: {
						anyOf: codes.map((code) => ({
							$ref: SCHEMAS + errorComponentName(code),
						})),
					},
				},
			},
		};
	}

	const declared = new Set(
		[
			"X-Request-Id",
			"Server-Timing",
			...Object.keys(documented.headers ?? {}),
		].map((h) => h.toLowerCase()),
	);
	for (const name of TRACKED_HEADERS)
		if (response.headers.has(name) && !declared.has(name.toLowerCase()))
			fail(label, `sets header ${name}, which the document does not list`);

	const bodyless =
		method === "head" || response.status === 204 || response.status === 304;
	if (bodyless) return response;
	const type = response.headers.get("Content-Type") ?? "";
	const media = Object.keys(documented.content ?? {});
	if (media.length === 0) {
		const text = await response.clone().text();
		if (text.length > 0)
			fail(label, `has a body (${type}) where the document says none`);
		return response;
	}
	if (!/json/i.test(type)) {
		const base = type.split(";")[0]?.trim() ?? "";
		if (
			!media.some(
				(m) =>
					m === base ||
					m === "*/*" ||
					(m.endsWith("/*") && base.startsWith(m.slice(0, -1))),
			)
		)
			fail(
				label,
				`Content-Type ${type} is not documented (${media.join(", ")})`,
			);
		return response;
	}
	const schema = documented.content?.["application/json"]?.schema;
	if (!schema)
		fail(label, `JSON body where the document says ${media.join(", ")}`);
	const text = await response.clone().text();
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		fail(label, `Content-Type ${type} but the body is not JSON`);
	}
	const result = validate(body, schema, "2020-12", lookup, false);
	if (!result.valid)
		fail(
			label,
			`body does not match the document:\n${describe(result.errors)}\nbody: ${text.slice(0, 600)}`,
		);
	return response;
}

/** The deepest failures first (the ones that name the property), as JSON pointers. */
function describe(errors: OutputUnit[]): string {
	const depth = (e: OutputUnit) => e.instanceLocation.split("/").length;
	const telling = errors.filter(
		(e) =>
			!/^A subschema had errors|^Instance does not match (every|any) subschema|does not match additional properties schema/.test(
				e.error,
			),
	);
	const deepest = [...(telling.length > 0 ? telling : errors)]
		.sort((a, b) => depth(b) - depth(a))
		.slice(0, 6);
	return deepest
		.map((e) => {
			const message =
				e.keyword === "false"
					? "a property the document does not describe"
					: e.error;
			return `  at ${e.instanceLocation.replace(/^#/, "") || "/"}: ${message} (schema ${e.keywordLocation})`;
		})
		.join("\n");
}
