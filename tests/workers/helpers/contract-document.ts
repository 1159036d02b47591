/**
 * The OpenAPI document as the contract check (contract.ts) reads it, prepared once per test run:
 * tests/global-setup.ts generates the document in Node (dev/openapi-export.ts), prepares it here
 * and hands it to every test file as `inject("contract")`, so no file builds it again. Plain
 * data in, plain data out (no Worker or Node APIs): global-setup.ts (Node) and contract.ts
 * (workerd, for apps with test-only routes) both use it.
 */

declare module "vitest" {
	export interface ProvidedContext {
		/** The prepared OpenAPI document of the API (prepareContract), as JSON. */
		contract: string;
	}
}

export interface Schema {
	[key: string]: unknown;
}
export interface DocResponse {
	description: string;
	headers?: Record<string, unknown>;
	content?: Record<string, { schema?: Schema }>;
}
export interface Operation {
	operationId: string;
	responses: Record<string, DocResponse>;
}
export interface ContractDocument {
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, Schema> };
}

/** Where every schema `$ref` of the document points; contract.ts looks them up by this string. */
export const SCHEMAS = "#/components/schemas/";

/**
 * Prepares a freshly parsed document (it is changed in place and returned) for the check: every
 * object closed, every timestamp held to UTC, and every schema reference verified to be a
 * component, so a flat table of components resolves all of them (no dereferencing per file).
 */
export function prepareContract(doc: ContractDocument): ContractDocument {
	checkRefs(doc, new Set(Object.keys(doc.components.schemas)));
	const extended = new Set<unknown>();
	for (const ref of allOfRefs(doc))
		extended.add(doc.components.schemas[ref.slice(SCHEMAS.length)]);
	closeObjects(doc, extended);
	pinTimestamps(doc);
	return doc;
}

/**
 * The validator resolves a `$ref` by looking its exact string up; the check's table holds the
 * schema components only. Anything else (another document, `$id`/`$anchor` scopes, dynamic
 * references) would go unresolved, so it fails here, at the start of the run, instead.
 */
function checkRefs(node: unknown, components: Set<string>) {
	if (Array.isArray(node)) {
		for (const item of node) checkRefs(item, components);
		return;
	}
	if (!node || typeof node !== "object") return;
	const schema = node as Record<string, unknown>;
	for (const keyword of ["$id", "$anchor", "$dynamicRef", "$recursiveRef"])
		if (typeof schema[keyword] === "string")
			throw new Error(
				`contract: the document uses ${keyword} (${schema[keyword]}), which the check does not resolve`,
			);
	const ref = schema.$ref;
	if (typeof ref === "string") {
		const component = ref.startsWith(SCHEMAS)
			? ref.slice(SCHEMAS.length)
			: undefined;
		const other = /^#\/components\/(headers|parameters)\//.test(ref);
		if (!other && (component === undefined || !components.has(component)))
			throw new Error(
				`contract: $ref ${ref} is not a schema component of the document`,
			);
	}
	for (const value of Object.values(schema)) checkRefs(value, components);
}

/**
 * The API promises ISO 8601 UTC timestamps (`2026-10-26T00:03:52.123Z`), but JSON Schema's
 * `date-time` (RFC 3339) also admits a space for the `T` and any offset: Postgres's own
 * `2026-10-26 00:03:52.1+00:00` would pass. Every documented `date-time` is held to the UTC form.
 */
export const UTC_TIMESTAMP =
	"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z$";

function pinTimestamps(node: unknown) {
	if (Array.isArray(node)) {
		for (const item of node) pinTimestamps(item);
		return;
	}
	if (!node || typeof node !== "object") return;
	const schema = node as Record<string, unknown>;
	if (schema.format === "date-time" && schema.pattern === undefined)
		schema.pattern = UTC_TIMESTAMP;
	for (const value of Object.values(schema)) pinTimestamps(value);
}

/** The components some `allOf` extends (`allOf: [{ $ref }, { more properties }]`). */
function allOfRefs(node: unknown, inAllOf = false): string[] {
	if (Array.isArray(node)) return node.flatMap((n) => allOfRefs(n, inAllOf));
	if (!node || typeof node !== "object") return [];
	const schema = node as Record<string, unknown>;
	const own = inAllOf && typeof schema.$ref === "string" ? [schema.$ref] : [];
	return [
		...own,
		...Object.entries(schema).flatMap(([key, value]) =>
			allOfRefs(value, key === "allOf"),
		),
	];
}

/**
 * Makes every documented object closed (`additionalProperties: false`) for the check, so a
 * field the Worker sends but the document does not describe fails too (JSON Schema would
 * allow it). What an `allOf` combines stays open, nested objects included: a component that
 * another extends (`Order` → `AdminOrder`) may meet the extension's extra fields anywhere.
 */
function closeObjects(node: unknown, open: Set<unknown>, inAllOf = false) {
	if (Array.isArray(node)) {
		for (const item of node) closeObjects(item, open, inAllOf);
		return;
	}
	if (!node || typeof node !== "object" || open.has(node)) return;
	const schema = node as Record<string, unknown>;
	if (
		!inAllOf &&
		schema.properties &&
		typeof schema.properties === "object" &&
		schema.additionalProperties === undefined &&
		schema.patternProperties === undefined &&
		schema.unevaluatedProperties === undefined
	)
		schema.additionalProperties = false;
	for (const [key, value] of Object.entries(schema))
		closeObjects(value, open, key === "allOf");
}
