import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ERROR_STATUS } from "../../src/lib/errors";
import { newAdmin } from "./helpers/admin";
import { bearer, signToken, uniqueIp } from "./helpers/auth";
import { addItem, newGuestCart } from "./helpers/cart";
import {
	admin,
	createCategory,
	PNG_1X1,
	post,
	uploadImage,
} from "./helpers/catalog";
import {
	asText,
	type Pools,
	type Sample,
	type Schema,
	SchemaArbitraries,
} from "./helpers/fuzz";
import { call, json } from "./helpers/http";
import { ADDRESS, placeOrder } from "./helpers/orders";
import { paidOrder } from "./helpers/payments";

/**
 * Schema-driven fuzzing of every operation in the Worker's own /v1/openapi.json: schema-valid
 * and schema-violating path, query, header and body values, odd Content-Types and malformed JSON,
 * with no token, a customer's, an admin's or a bad one. The property: never a 5xx; every 4xx is
 * the error envelope with the status its code maps to; a request that certainly violates the
 * schema is never answered 2xx. A fixed seed here (`npm test`); `npm run fuzz` picks a random
 * seed and more runs, and `FUZZ_SEED=<seed> npm run fuzz` replays one.
 */
const fuzzEnv = env as unknown as { FUZZ_SEED?: string; FUZZ_RUNS?: string };
const SEED = fuzzEnv.FUZZ_SEED ? Number(fuzzEnv.FUZZ_SEED) : 20_261_122;
const RUNS_PER_OPERATION = fuzzEnv.FUZZ_RUNS ? Number(fuzzEnv.FUZZ_RUNS) : 45;
const PARALLEL = 4;

interface Parameter {
	name: string;
	in: "path" | "query" | "header" | "cookie";
	required?: boolean;
	schema: Schema;
}

interface Operation {
	method: string;
	path: string;
	parameters?: Parameter[];
	requestBody?: {
		required?: boolean;
		content: Record<string, { schema: Schema }>;
	};
}

interface OpenApiDocument {
	paths: Record<string, Record<string, Omit<Operation, "method" | "path">>>;
	components: { schemas: Record<string, Schema> };
}

interface Fixtures {
	tokens: Record<"customer" | "admin" | "expired" | "oddSubject", string>;
	cartToken: string;
	orderToken: string;
	pools: Pools;
	/** `id` pools by path prefix, so an id is usually one of the right kind. */
	idsByPrefix: [string, string[]][];
}

/** Real rows of every kind the API addresses: products, variants, orders, users, and so on. */
async function createFixtures(): Promise<Fixtures> {
	const placed = await placeOrder({
		variants: [
			{ price: 1200, onHand: 500 },
			{ price: 900, onHand: 500 },
		],
	});
	const customer = placed.who.accessToken ?? "";
	const me = (await (
		await call("/v1/me", { headers: bearer(customer) })
	).json()) as { id: string; email: string };
	const variantIds = placed.product.variants.map((v) => v.id);
	const [variantId = ""] = variantIds;
	const address = (await (
		await call("/v1/me/addresses", json(ADDRESS, { headers: bearer(customer) }))
	).json()) as { id: string };
	const cart = (await (
		await addItem(variantId, 1, { accessToken: customer })
	).json()) as { items: { id: string }[] };
	const guestCart = await newGuestCart(variantId, 1);
	const guest = await placeOrder({ guest: true });
	const paid = await paidOrder();
	const category = await createCategory();
	const image = (await (
		await uploadImage(placed.product.id, PNG_1X1, "image/png")
	).json()) as { id: string; key: string };
	// A shipping method of the fuzzer's own: the seeded ones are shared with other test files.
	const shippingCode = `fuzz-${crypto.randomUUID().slice(0, 8)}`;
	await admin(
		"/v1/admin/shipping-methods",
		post({ code: shippingCode, name: "Fuzz", price: 100, currency: "EUR" }),
	);
	const adminUser = await newAdmin();
	const now = Math.floor(Date.now() / 1000);
	const orderIds = [placed.order.id, guest.order.id, paid.orderId];
	const productIds = [placed.product.id, guest.product.id];
	const categoryIds = [category.id];
	const userIds = [me.id];
	return {
		tokens: {
			customer,
			admin: adminUser.headers.Authorization?.slice("Bearer ".length) ?? "",
			expired: await signToken({ iat: now - 3600, exp: now - 1800 }),
			oddSubject: await signToken({ sub: "not-a-uuid", role: "admin" }),
		},
		cartToken: guestCart.cartToken,
		orderToken: guest.orderToken ?? "",
		pools: {
			variantId: variantIds,
			categoryId: categoryIds,
			parentId: categoryIds,
			moveProductsTo: categoryIds,
			customerId: userIds,
			actorId: userIds,
			targetId: [...userIds, ...orderIds],
			itemId: cart.items.map((i) => i.id),
			idOrSlug: [placed.product.id, placed.product.slug],
			slug: [category.slug],
			category: [category.slug],
			key: [image.key],
			code: [shippingCode],
			email: [me.email],
		},
		idsByPrefix: [
			["/me/addresses", [address.id]],
			["/admin/products", productIds],
			["/admin/variants", variantIds],
			["/admin/images", [image.id]],
			["/admin/categories", categoryIds],
			["/admin/orders", orderIds],
			["/admin/users", userIds],
			["/orders", orderIds],
		],
	};
}

interface FuzzRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: string | Uint8Array;
	/** Why the API must not answer 2xx (a certain violation), if it must not. */
	mustFail?: string;
	auth: Auth;
}

type Auth =
	| "none"
	| "customer"
	| "admin"
	| "garbage"
	| "expired"
	| "oddSubject";

const METHODS = ["get", "post", "put", "patch", "delete"];

const CONTENT_TYPES = [
	"application/json",
	"application/json; charset=utf-8",
	"APPLICATION/JSON",
	"text/plain",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=fuzz",
	"",
];

const MALFORMED_JSON = [
	"{",
	'{"a":',
	"nul",
	"[1,]",
	"\u0000",
	"{}}",
	"'x'",
	"\ud800",
];

/** The arbitrary of whole requests to one operation. */
function requestsFor(
	op: Operation,
	allowed: string[],
	arbs: SchemaArbitraries,
	fixtures: Fixtures,
): fc.Arbitrary<FuzzRequest> {
	const params = op.parameters ?? [];
	const paramArbs = params.map((p) =>
		fc
			.oneof(
				{
					weight: 3,
					arbitrary: arbs
						.valid(p.schema, p.name)
						.map((v): Sample & { raw?: boolean } => ({
							value: v,
							invalid: false,
						})),
				},
				{ weight: 1, arbitrary: arbs.violatingParam(p.schema) },
			)
			.chain((sample) =>
				// An optional query parameter is often left out.
				p.required || p.in === "path"
					? fc.constant({ param: p, sample, present: true })
					: fc.boolean().map((present) => ({ param: p, sample, present })),
			),
	);
	const json = op.requestBody?.content["application/json"];
	const binary = Object.keys(op.requestBody?.content ?? {}).find((t) =>
		t.startsWith("image/"),
	);
	const bodyArb: fc.Arbitrary<{
		body?: string | Uint8Array;
		contentType?: string;
		mustFail?: string;
	}> = json
		? fc.oneof(
				{
					weight: 6,
					arbitrary: fc
						.tuple(
							arbs.sample(json.schema),
							fc.constantFrom(...CONTENT_TYPES.slice(0, 3)),
						)
						.map(([sample, contentType]) => ({
							body: JSON.stringify(sample.value) ?? "null",
							contentType,
							mustFail: sample.invalid
								? "the body violates its schema"
								: undefined,
						})),
				},
				{
					weight: 1,
					arbitrary: fc.constantFrom(...MALFORMED_JSON).map((body) => ({
						body,
						contentType: "application/json",
						mustFail: "the body is not JSON",
					})),
				},
				{
					weight: 1,
					arbitrary: fc
						.tuple(
							arbs.valid(json.schema),
							fc.constantFrom(...CONTENT_TYPES.slice(3)),
						)
						.map(([value, contentType]) => ({
							body: JSON.stringify(value),
							contentType: contentType || undefined,
							mustFail: op.requestBody?.required
								? "a JSON body is required and this one is not declared JSON"
								: undefined,
						})),
				},
				{
					weight: 1,
					arbitrary: fc.constant({
						contentType: "application/json",
						mustFail: op.requestBody?.required
							? "the required body is missing"
							: undefined,
					}),
				},
			)
		: binary
			? fc.oneof(
					fc.constant({ body: PNG_1X1, contentType: "image/png" }),
					fc
						.tuple(
							fc.uint8Array({ maxLength: 256 }),
							fc.constantFrom(
								...Object.keys(op.requestBody?.content ?? {}),
								"text/plain",
							),
						)
						.map(([body, contentType]) => ({ body, contentType })),
				)
			: fc.oneof(
					{ weight: 3, arbitrary: fc.constant({}) },
					{
						weight: 1,
						arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({
							body: JSON.stringify(v),
							contentType: "application/json",
						})),
					},
				);
	const wrongMethods = METHODS.filter((m) => !allowed.includes(m));
	const methodArb = wrongMethods.length
		? fc.oneof(
				{ weight: 19, arbitrary: fc.constant(op.method) },
				{ weight: 1, arbitrary: fc.constantFrom(...wrongMethods) },
			)
		: fc.constant(op.method);
	return fc
		.record({
			params: fc.tuple(...paramArbs),
			body: bodyArb,
			method: methodArb,
			auth: fc.constantFrom<Auth>(
				"none",
				"customer",
				"customer",
				"admin",
				"admin",
				"garbage",
				"expired",
				"oddSubject",
			),
			cartToken: fc.constantFrom(
				undefined,
				fixtures.cartToken,
				"forged.cart.token",
			),
			orderToken: fc.constantFrom(undefined, fixtures.orderToken, "forged"),
			idempotencyKey: fc.option(
				fc.oneof(fc.uuid(), fc.constantFrom("", "\u0000", "k".repeat(300))),
			),
		})
		.map(
			({
				params,
				body,
				method,
				auth,
				cartToken,
				orderToken,
				idempotencyKey,
			}) => {
				let path = op.path;
				const query = new URLSearchParams();
				const rawQuery: string[] = [];
				const headers: Record<string, string> = {
					"CF-Connecting-IP": uniqueIp(),
				};
				const reasons: string[] = [];
				for (const { param, sample, present } of params) {
					if (!present) continue;
					const text = asText(sample.value);
					if (sample.invalid)
						reasons.push(`${param.in} parameter ${param.name} is invalid`);
					if (param.in === "path")
						path = path.replace(
							`{${param.name}}`,
							sample.raw ? text : encodePathSegment(text),
						);
					else if (param.in === "query")
						if (sample.raw) rawQuery.push(`${param.name}=${text}`);
						else query.append(param.name, text);
					else if (param.in === "header")
						headers[param.name] = headerSafe(text);
				}
				if (auth !== "none")
					headers.Authorization =
						auth === "garbage"
							? "Bearer not.a.token"
							: `Bearer ${fixtures.tokens[auth]}`;
				if (cartToken) headers["X-Cart-Token"] = cartToken;
				if (orderToken) headers["X-Order-Token"] = orderToken;
				if (idempotencyKey !== null && !("idempotency-key" in headers))
					headers["Idempotency-Key"] = headerSafe(idempotencyKey);
				if (body.contentType) headers["Content-Type"] = body.contentType;
				if (body.mustFail && method === op.method) reasons.push(body.mustFail);
				if (method !== op.method)
					reasons.push(`${method.toUpperCase()} is not an operation here`);
				if (op.path === "/webhooks/stripe")
					reasons.push("the webhook is not signed");
				const search = [query.toString(), ...rawQuery]
					.filter(Boolean)
					.join("&");
				return {
					method: method.toUpperCase(),
					url: `${path}${search ? `?${search}` : ""}`,
					headers,
					body: method === "get" ? undefined : body.body,
					mustFail: reasons[0],
					auth,
				};
			},
		);
}

/** encodeURIComponent, with lone surrogates sent as the (invalid) UTF-8 a careless client sends. */
function encodePathSegment(text: string): string {
	const lone =
		/([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
	return text
		.split(lone)
		.map((part, i) => (i % 2 === 1 ? "%ED%A0%80" : encodeURIComponent(part)))
		.join("");
}

/** Header values are ByteStrings: anything else cannot even be sent. */
function headerSafe(text: string): string {
	return text.replace(/[^\x20-\x7e]/g, "?").trim();
}

const statuses = new Map<number, number>();
/** Status classes per credential, to see that each kind of caller got through sometimes. */
const byAuth = new Map<string, number>();
let sent = 0;

/** The property, for one request: returns a description of what is wrong, if anything. */
async function check(req: FuzzRequest): Promise<string | undefined> {
	// No retry, not even of a 503: the test stack's Redis and database answer in milliseconds, and
	// this file's own work stalls the isolate the Worker runs in (fast-check's first full-Unicode
	// string, ~1 s; dozens of in-isolate requests in a row that yield to no I/O), which the
	// dependency deadlines must tell from a slow dependency (lib/deadline.ts).
	const res = await call(req.url, {
		method: req.method,
		headers: req.headers,
		body: req.body,
	});
	sent++;
	statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
	const key = `${req.auth} ${String(res.status)[0]}xx`;
	byAuth.set(key, (byAuth.get(key) ?? 0) + 1);
	const text = /json|text/.test(res.headers.get("Content-Type") ?? "")
		? await res.text()
		: `(${(await res.arrayBuffer()).byteLength} bytes)`;
	const what = `${req.method} ${req.url.slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
	if (res.status >= 500) return `5xx: ${what}`;
	if (res.status >= 400) {
		let body: {
			error?: { code?: string; message?: unknown; requestId?: unknown };
		};
		try {
			body = JSON.parse(text);
		} catch {
			return `error without the JSON envelope: ${what}`;
		}
		const code = body.error?.code as keyof typeof ERROR_STATUS | undefined;
		if (!code || ERROR_STATUS[code] !== res.status)
			return `error code does not match its status: ${what}`;
		if (typeof body.error?.message !== "string")
			return `error without a message: ${what}`;
		if (body.error.requestId !== res.headers.get("x-request-id"))
			return `error requestId is not the response's X-Request-Id: ${what}`;
	} else if (req.mustFail && res.status < 300)
		return `2xx although ${req.mustFail}: ${what}`;
	return undefined;
}

describe("schema-driven fuzzing of /v1/openapi.json", () => {
	let doc: OpenApiDocument;
	let fixtures: Fixtures;

	beforeAll(async () => {
		doc = (await (await call("/v1/openapi.json")).json()) as OpenApiDocument;
		fixtures = await createFixtures();
	}, 60_000);

	it("never answers 5xx, answers every error in the envelope, and never 2xx to a certain violation", async () => {
		// Emails go nowhere; the consumers' logging of refused input is expected noise.
		vi.spyOn(console, "log").mockImplementation(() => {});
		vi.spyOn(console, "warn").mockImplementation(() => {});
		vi.spyOn(console, "error").mockImplementation(() => {});
		const operations: (Operation & { allowed: string[] })[] = Object.entries(
			doc.paths,
		).flatMap(([path, ops]) =>
			Object.entries(ops).map(([method, op]) => ({
				...op,
				method,
				path,
				allowed: Object.keys(ops),
			})),
		);
		expect(operations.length).toBeGreaterThan(60);
		const failures: string[] = [];
		const started = Date.now();
		const queue = operations.map((op, index) => async () => {
			const idPool =
				fixtures.idsByPrefix.find(([prefix]) =>
					op.path.startsWith(prefix),
				)?.[1] ?? [];
			const arbs = new SchemaArbitraries(doc.components.schemas, {
				...fixtures.pools,
				id: idPool,
			});
			const seed = SEED + index;
			try {
				await fc.assert(
					fc.asyncProperty(
						requestsFor(op, op.allowed, arbs, fixtures),
						async (req) => {
							const problem = await check(req);
							if (problem) throw new Error(problem);
						},
					),
					{ seed, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
				);
			} catch (err) {
				failures.push(
					`${op.method.toUpperCase()} ${op.path} (FUZZ_SEED=${SEED}, operation seed ${seed}): ${
						err instanceof Error
							? err.message
									.split("\n")
									.filter(
										(line, i) =>
											i < 3 || /^(Got error|Counterexample)/.test(line),
									)
									.join("\n")
									.slice(0, 4000) +
								(err.cause instanceof Error ? `\n${err.cause.message}` : "")
							: err
					}`,
				);
			}
		});
		await Promise.all(
			Array.from({ length: PARALLEL }, async () => {
				for (let job = queue.shift(); job; job = queue.shift()) await job();
			}),
		);
		const distribution = [...statuses.entries()]
			.sort(([a], [b]) => a - b)
			.map(([status, n]) => `${status}×${n}`)
			.join(" ");
		console.info(
			`fuzz: FUZZ_SEED=${SEED}, ${operations.length} operations, ${sent} requests in ${Date.now() - started} ms: ${distribution}\nby credential: ${[
				...byAuth.entries(),
			]
				.sort()
				.map(([k, n]) => `${k}×${n}`)
				.join(" ")}`,
		);
		// Each kind of caller got through to real handlers, not only to the auth gate.
		for (const auth of ["none", "customer", "admin"])
			expect(byAuth.get(`${auth} 2xx`), auth).toBeGreaterThan(20);
		expect(failures, `replay with FUZZ_SEED=${SEED} npm run fuzz`).toEqual([]);
	}, 300_000);
});
