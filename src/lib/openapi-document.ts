import type { OpenAPIHono } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "./errors";
import {
	ERROR_CODES,
	ERROR_HEADERS,
	errorCodeSchemas,
	errorComponentName,
	errorSchema,
	HEADERS,
	type HeaderName,
	headerComponentName,
	headerRefs,
	RESPONSE_HEADERS,
} from "./openapi";

// biome-ignore lint/suspicious/noExplicitAny: any OpenAPIHono app, whatever its env
type AnyApp = OpenAPIHono<any, any, any>;
type Document = ReturnType<AnyApp["getOpenAPI31Document"]>;

interface Operation {
	[RESPONSE_HEADERS]?: HeaderName[];
	operationId?: string;
	summary?: string;
	tags?: string[];
	security?: Record<string, string[]>[];
	parameters?: unknown[];
	requestBody?: { content?: Record<string, unknown> };
	responses: Record<string, Response>;
}
interface Response {
	description: string;
	headers?: Record<string, unknown>;
	content?: Record<string, { schema?: Schema }>;
}
interface Schema {
	type?: string;
	$ref?: string;
	anyOf?: Schema[];
	oneOf?: Schema[];
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
const REF_PREFIX = "#/components/schemas/";
const CODE_BY_COMPONENT = new Map(
	ERROR_CODES.map((code) => [errorComponentName(code), code]),
);

/** Registers what the completed document refers to: every code's envelope. Once per app. */
export function registerContractComponents(app: AnyApp) {
	app.openAPIRegistry.register("Error", errorSchema);
	for (const [code, schema] of errorCodeSchemas)
		app.openAPIRegistry.register(errorComponentName(code), schema);
}

/**
 * The OpenAPI document of the app, completed by the rules that hold for every route, so no route
 * can forget them: an operationId and tag derived from the path when the route gives none;
 * `security: []` for public routes and the bearer token for everything under /v1/admin (the
 * mount requires an admin); the error statuses any route of a kind can answer (400
 * VALIDATION_FAILED with any input, 400 INVALID_JSON/413/415 with a JSON body, 401/403 with a
 * token, 500 and 503 everywhere the Worker reaches a dependency); the X-Request-Id and
 * Server-Timing headers on every response and RateLimit-* on every response of a rate-limited
 * route. Error responses are envelopes narrowed to the codes they can carry (components
 * `Error<Code>`), merged with the codes the route lists itself.
 */
export function openApiDocument(app: AnyApp, serverUrl: string): Document {
	const doc = app.getOpenAPI31Document({
		openapi: "3.1.0",
		info: {
			title: "VoidShop API",
			version: "1.0.0",
			description:
				"Every non-2xx answer is the error envelope `{error: {code, message, details?, requestId}}`; each response lists the codes it can carry. A path answers 404 NOT_FOUND for an unknown route and 405 METHOD_NOT_ALLOWED (with `Allow`) for a method it does not serve. Unknown query parameters are ignored unless an operation says otherwise.",
			license: { name: "Proprietary" },
		},
		servers: [{ url: serverUrl }],
	});
	const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
	doc.components ??= {};
	doc.components.headers = Object.fromEntries(
		Object.entries(HEADERS).map(([name, header]) => [
			headerComponentName(name as HeaderName),
			header,
		]),
	);
	// The document describes itself too (the route is plain hono: it must not be in its own registry).
	paths["/v1/openapi.json"] = {
		get: {
			operationId: "getOpenApiDocument",
			tags: ["meta"],
			summary: "This OpenAPI 3.1 document",
			responses: {
				200: {
					description: "the document",
					content: { "application/json": { schema: { type: "object" } } },
				},
			},
		},
	};
	for (const [path, item] of Object.entries(paths)) {
		for (const method of METHODS) {
			const op = item[method];
			if (op) complete(op, method, path);
		}
	}
	return doc;
}

function complete(op: Operation, method: string, path: string) {
	const segments = path.split("/").filter((s) => s && s !== "v1");
	op.operationId ??= operationIdOf(method, segments);
	if (!op.tags?.length) op.tags = [segments[0] ?? "api"];
	const admin = path.startsWith("/v1/admin/");
	op.security ??= admin ? [{ bearer: [] }] : [];

	const codes: ErrorCode[] = ["INTERNAL", "CONFIG_INVALID"];
	// Everything but liveness and the document itself reaches the database or Redis.
	if (path !== "/health/live" && path !== "/v1/openapi.json")
		codes.push("DEPENDENCY_UNAVAILABLE");
	const jsonBody = Object.keys(op.requestBody?.content ?? {}).some((type) =>
		type.includes("json"),
	);
	if (op.parameters?.length || op.requestBody) codes.push("VALIDATION_FAILED");
	if (jsonBody) codes.push("INVALID_JSON", "UNSUPPORTED_MEDIA_TYPE");
	if (op.requestBody) codes.push("PAYLOAD_TOO_LARGE");
	const tokenRequired =
		op.security.length > 0 &&
		op.security.every((alternative) => "bearer" in alternative);
	if (tokenRequired) codes.push("UNAUTHENTICATED");
	// Every admin route refuses a revoked token (middleware/auth.ts rejectRevokedToken).
	if (admin) codes.push("FORBIDDEN", "TOKEN_REVOKED");
	for (const code of codes) addError(op, code);

	const everywhere: HeaderName[] = [
		"X-Request-Id",
		"Server-Timing",
		...(op[RESPONSE_HEADERS] ?? []),
	];
	if ("429" in op.responses)
		everywhere.push(
			"RateLimit-Limit",
			"RateLimit-Remaining",
			"RateLimit-Reset",
		);
	delete op[RESPONSE_HEADERS];
	for (const response of Object.values(op.responses))
		response.headers = { ...headerRefs(...everywhere), ...response.headers };
}

/** `GET /v1/admin/products/{id}/images` → `getAdminProductsByIdImages`. */
function operationIdOf(method: string, segments: string[]): string {
	const words = segments.map((s) => {
		const param = /^\{(.+)\}$/.exec(s)?.[1];
		return param ? `By-${param}` : s;
	});
	return (
		method +
		words
			.join("-")
			.split(/[-_]/)
			.map((w) => (w[0]?.toUpperCase() ?? "") + w.slice(1))
			.join("")
	);
}

/** Adds `code` to the operation's response for its status (creating it, or merging the codes). */
function addError(op: Operation, code: ErrorCode) {
	const status = String(ERROR_STATUS[code]);
	const existing = op.responses[status];
	const codes = existing ? codesOf(existing) : [];
	if (existing && codes === undefined) return; // not an envelope this helper wrote: leave it
	if (codes?.includes(code)) return;
	const all = [...(codes ?? []), code];
	const refs = all.map((c) => ({ $ref: REF_PREFIX + errorComponentName(c) }));
	const headers = [...new Set(all.flatMap((c) => ERROR_HEADERS[c] ?? []))];
	op.responses[status] = {
		...existing,
		description: all.join(", "),
		headers: { ...existing?.headers, ...headerRefs(...headers) },
		content: {
			"application/json": {
				schema: refs.length === 1 ? (refs[0] as Schema) : { anyOf: refs },
			},
		},
	};
}

/** The codes an error response documents, or undefined when it is not an `Error<Code>` envelope. */
function codesOf(response: Response): ErrorCode[] | undefined {
	const schema = response.content?.["application/json"]?.schema;
	if (!schema) return undefined;
	const refs = schema.$ref ? [schema] : (schema.anyOf ?? schema.oneOf ?? []);
	const codes = refs.map((r) =>
		r.$ref?.startsWith(REF_PREFIX)
			? CODE_BY_COMPONENT.get(r.$ref.slice(REF_PREFIX.length))
			: undefined,
	);
	return codes.length > 0 && codes.every((c) => c !== undefined)
		? (codes as ErrorCode[])
		: undefined;
}
