import fc from "fast-check";

/**
 * fast-check arbitraries built from the OpenAPI document's JSON Schemas: values that satisfy a
 * schema, and values that break it. Known ids (fixtures that exist in the database) are mixed in
 * by field and parameter name so valid requests reach real rows, not only 404s.
 */
export interface Schema {
	$ref?: string;
	type?: string | string[];
	format?: string;
	enum?: unknown[];
	pattern?: string;
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	maximum?: number;
	items?: Schema;
	minItems?: number;
	maxItems?: number;
	properties?: Record<string, Schema>;
	required?: string[];
	additionalProperties?: boolean | Schema;
	anyOf?: Schema[];
	oneOf?: Schema[];
	allOf?: Schema[];
}

/** Real values by field or parameter name (`id`, `variantId`, `slug`, …), filled by the fixtures. */
export type Pools = Record<string, string[]>;

/** A generated value and whether it certainly violates the schema (the API must not answer 2xx). */
export interface Sample {
	value: unknown;
	invalid: boolean;
}

/** Strings that have broken parsers before: NUL, lone surrogates, escapes, huge and odd text. */
export const NASTY_STRINGS = [
	"",
	" ",
	"\u0000",
	"a\u0000b",
	"\ud800",
	"\udc00x",
	"ß",
	"İ",
	"😀",
	"\u202e",
	"../../etc/passwd",
	"%00",
	"%ZZ",
	"'; drop table users; --",
	// biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
	"${jndi:ldap://x}",
	"<script>alert(1)</script>",
	"null",
	"true",
	"-1",
	"1e308",
	"NaN",
	"0x10",
	"x".repeat(5000),
];

export class SchemaArbitraries {
	constructor(
		private readonly components: Record<string, Schema>,
		private readonly pools: Pools,
	) {}

	resolve(schema: Schema): Schema {
		let s = schema;
		for (let depth = 0; s.$ref && depth < 10; depth++) {
			const name = s.$ref.replace("#/components/schemas/", "");
			s = this.components[name] ?? {};
		}
		return s;
	}

	/** Values that satisfy `schema` (known ids for `name` mixed in). */
	valid(schema: Schema, name?: string, depth = 0): fc.Arbitrary<unknown> {
		const s = this.resolve(schema);
		const pool = name ? this.pools[name] : undefined;
		const own = this.validOwn(s, depth);
		return pool?.length
			? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, own)
			: own;
	}

	private validOwn(s: Schema, depth: number): fc.Arbitrary<unknown> {
		if (s.enum?.length) return fc.constantFrom(...s.enum);
		const alternatives = s.anyOf ?? s.oneOf;
		if (alternatives?.length)
			return fc.oneof(
				...alternatives.map((a) => this.valid(a, undefined, depth)),
			);
		if (s.allOf?.length) return this.valid(s.allOf[0] ?? {}, undefined, depth);
		const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
		if (types.length > 1)
			return fc.oneof(
				...types.map((type) => this.validOwn({ ...s, type }, depth)),
			);
		switch (types[0]) {
			case "null":
				return fc.constant(null);
			case "boolean":
				return fc.boolean();
			case "integer":
				return fc.integer({
					min: s.minimum ?? -1000,
					max: Math.min(s.maximum ?? 100_000, (s.minimum ?? 0) + 100_000),
				});
			case "number":
				return fc.double({
					min: s.minimum ?? -1000,
					max: s.maximum ?? 100_000,
					noNaN: true,
				});
			case "string":
				return this.validString(s);
			case "array":
				return fc.array(this.valid(s.items ?? {}, undefined, depth + 1), {
					minLength: s.minItems ?? 0,
					maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 4, 4)),
				});
			case "object":
				return this.validObject(s, depth);
			default:
				return depth > 2 ? fc.string() : fc.jsonValue({ maxDepth: 2 });
		}
	}

	private validString(s: Schema): fc.Arbitrary<string> {
		const min = s.minLength ?? 0;
		const max = Math.min(s.maxLength ?? 60, Math.max(min, 60));
		const fits = (v: string) =>
			v.length >= min && v.length <= (s.maxLength ?? Infinity);
		if (s.format === "uuid") return fc.uuid({ version: 7 });
		if (s.format === "date-time")
			return fc
				.date({
					min: new Date("2020-01-01T00:00:00Z"),
					max: new Date("2030-01-01T00:00:00Z"),
					noInvalidDate: true,
				})
				.map((d) => d.toISOString());
		if (s.format === "email")
			return fc
				.tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/), fc.uuid())
				.map(([local, id]) => `${local}-${id.slice(0, 8)}@example.com`);
		if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
		return fc.string({ minLength: min, maxLength: max, unit: "grapheme" });
	}

	private validObject(s: Schema, depth: number): fc.Arbitrary<unknown> {
		const props = s.properties ?? {};
		const required = new Set(s.required ?? []);
		const record: Record<string, fc.Arbitrary<unknown>> = {};
		for (const [key, prop] of Object.entries(props))
			record[key] = this.valid(prop, key, depth + 1);
		const base = fc.record(record, {
			requiredKeys: Object.keys(props).filter((k) => required.has(k)),
		});
		if (typeof s.additionalProperties !== "object") return base;
		return fc
			.tuple(
				base,
				fc.dictionary(
					fc.string({ minLength: 1, maxLength: 12 }),
					this.valid(s.additionalProperties, undefined, depth + 1),
					{ maxKeys: 3 },
				),
			)
			.map(([known, extra]) => ({ ...extra, ...known }));
	}

	/**
	 * Values for `schema` that are either plainly hostile but not necessarily wrong (NUL bytes,
	 * huge strings: `invalid: false`, only "no 5xx" is asserted) or certain violations (wrong type,
	 * missing required field, unknown field where none is allowed, out of range: `invalid: true`).
	 */
	violating(schema: Schema, name?: string): fc.Arbitrary<Sample> {
		const s = this.resolve(schema);
		const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
		const certain: fc.Arbitrary<unknown>[] = [];
		const doubtful: fc.Arbitrary<unknown>[] = [
			fc.constantFrom(...NASTY_STRINGS),
			fc.jsonValue({ maxDepth: 3 }),
		];
		const nullable = types.includes("null");
		if (!nullable && types.length > 0) certain.push(fc.constant(null));
		if (types.includes("string")) {
			certain.push(fc.integer(), fc.constant({}), fc.constant([]));
			if (s.format === "uuid")
				certain.push(fc.constantFrom("not-a-uuid", "00000000-0000", "1"));
			if (s.maxLength !== undefined && s.maxLength < 50_000)
				certain.push(fc.constant("x".repeat(s.maxLength + 1)));
			if ((s.minLength ?? 0) > 0) certain.push(fc.constant(""));
			if (s.enum?.length) certain.push(fc.constant("not-one-of-them"));
		} else if (types.includes("integer") || types.includes("number")) {
			certain.push(fc.constantFrom("12", "abc", true), fc.constant([1]));
			if (types.includes("integer")) certain.push(fc.constant(1.5));
			if (s.maximum !== undefined) certain.push(fc.constant(s.maximum + 1));
			if (s.minimum !== undefined) certain.push(fc.constant(s.minimum - 1));
			doubtful.push(fc.constantFrom(1e308, -1e308, 2 ** 53, -0));
		} else if (types.includes("boolean")) {
			certain.push(fc.constantFrom("true", 1, "yes"));
		} else if (types.includes("array")) {
			certain.push(fc.constantFrom("x", 1, {}));
			if (s.maxItems !== undefined && s.maxItems < 1000)
				certain.push(
					fc.constant(Array.from({ length: s.maxItems + 1 }, () => null)),
				);
		} else if (types.includes("object")) {
			certain.push(fc.constantFrom("x", 1, [], true));
			const props = Object.keys(s.properties ?? {});
			const required = s.required ?? [];
			if (props.length > 0) {
				const valid = this.valid(s, name) as fc.Arbitrary<
					Record<string, unknown>
				>;
				if (required.length > 0)
					certain.push(
						fc.tuple(valid, fc.constantFrom(...required)).map(([v, drop]) => {
							const { [drop]: _, ...rest } = v;
							return rest;
						}),
					);
				if (s.additionalProperties === false)
					certain.push(valid.map((v) => ({ ...v, notInTheSchema: 1 })));
				// One property replaced by a certain violation of its own schema.
				certain.push(
					fc.tuple(valid, fc.constantFrom(...props)).chain(([v, key]) =>
						this.violating(s.properties?.[key] ?? {}, key)
							.filter((bad) => bad.invalid)
							.map((bad) => ({ ...v, [key]: bad.value })),
					),
				);
			}
		}
		const pick = (arbs: fc.Arbitrary<unknown>[], invalid: boolean) =>
			fc.oneof(...arbs).map((value): Sample => ({ value, invalid }));
		return certain.length > 0
			? fc.oneof(
					{ weight: 3, arbitrary: pick(certain, true) },
					{ weight: 1, arbitrary: pick(doubtful, false) },
				)
			: pick(doubtful, false);
	}

	/**
	 * Wire text for a path, query or header parameter that breaks its schema. Certain violations
	 * only where the text alone decides (a non-UUID for a uuid, a non-number for an integer, too
	 * long, outside an enum or pattern); hostile text otherwise, raw (already percent-encoded or
	 * malformed, `%ZZ`, an encoded lone surrogate) as well as encoded.
	 */
	violatingParam(schema: Schema): fc.Arbitrary<Sample & { raw?: boolean }> {
		const s = this.resolve(schema);
		const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
		const certain: string[] = [];
		if (s.format === "uuid") certain.push("not-a-uuid", "0190a6f0-0000", "1");
		if (s.enum?.length) certain.push("not-one-of-them");
		if (s.pattern) certain.push("NOT VALID");
		if (s.format === "date-time") certain.push("yesterday", "2026-13-45");
		if (types.includes("integer") || types.includes("number"))
			certain.push(
				"abc",
				"1.5e",
				...(s.maximum !== undefined && s.maximum < 1e15
					? [String(s.maximum + 1)]
					: []),
				...(s.minimum !== undefined && s.minimum > -1e15
					? [String(s.minimum - 1)]
					: []),
			);
		if (types.includes("integer")) certain.push("1.5");
		if (s.maxLength !== undefined && s.maxLength < 10_000)
			certain.push("y".repeat(s.maxLength + 1));
		const raw = fc
			.constantFrom(
				"%00",
				"%ZZ",
				"%ED%A0%80",
				"%C0%AF",
				"..%2F..%2Fadmin",
				"%2e%2e",
				"a%2Fb",
			)
			.map((value) => ({ value, invalid: false, raw: true }));
		const doubtful = fc
			.oneof(
				fc.constantFrom(...NASTY_STRINGS),
				fc.string({ maxLength: 40, unit: "binary" }),
			)
			.map((value) => ({ value, invalid: false }));
		const arbs = [raw, doubtful];
		return certain.length > 0
			? fc.oneof(
					{
						weight: 3,
						arbitrary: fc
							.constantFrom(...certain)
							.map((value) => ({ value, invalid: true })),
					},
					...arbs,
				)
			: fc.oneof(...arbs);
	}

	/** A schema-valid value (`invalid: false`) or a violating one, about one in three. */
	sample(schema: Schema, name?: string): fc.Arbitrary<Sample> {
		return fc.oneof(
			{
				weight: 2,
				arbitrary: this.valid(schema, name).map(
					(value): Sample => ({ value, invalid: false }),
				),
			},
			{ weight: 1, arbitrary: this.violating(schema, name) },
		);
	}
}

/** How a parameter value goes on the wire (query and path parameters are text). */
export function asText(value: unknown): string {
	if (typeof value === "string") return value;
	if (value === null || value === undefined) return "";
	return typeof value === "object" ? JSON.stringify(value) : String(value);
}
