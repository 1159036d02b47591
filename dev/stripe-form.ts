/**
 * Request parameters for the local Stripe stand-in: Stripe's v1 form encoding (`a[b]=1`,
 * `list[0]=x`, as the `stripe` SDK writes it) parsed into nested values, readers that fail with
 * Stripe's own validation errors, and the error every failure is answered with.
 */

type FormValue = string | FormObject;
export interface FormObject {
	[key: string]: FormValue;
}

interface StripeErrorBody {
	type: string;
	message: string;
	code?: string;
	param?: string;
	[field: string]: unknown;
}

/** A failure answered with Stripe's envelope `{ "error": { type, code, message, param, … } }`. */
export class StripeApiError extends Error {
	readonly body: StripeErrorBody;
	constructor(
		readonly status: number,
		body: StripeErrorBody,
		/** False when the request never started executing: Stripe saves no idempotent result then. */
		readonly saved = true,
	) {
		super(body.message);
		this.body = body.code
			? {
					...body,
					doc_url: `https://stripe.com/docs/error-codes/${body.code.replaceAll("_", "-")}`,
				}
			: body;
	}
}

/** A parameter validation failure (400 `invalid_request_error`, not saved for idempotency). */
export function paramError(
	param: string,
	message: string,
	code?: string,
): StripeApiError {
	return new StripeApiError(
		400,
		{ type: "invalid_request_error", code, message, param },
		false,
	);
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
/** Names that would reach Object.prototype through a plain object. */
const RESERVED = new Set(["__proto__", "constructor", "prototype"]);

/** Parses `a=1&b[c]=2&d[]=x` (or the query string of a GET) into nested objects; `[]` appends. */
export function parseForm(text: string): FormObject {
	const root: FormObject = {};
	for (const [name, value] of new URLSearchParams(text)) {
		const match = KEY.exec(name);
		const path = match
			? [
					match[1] as string,
					...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map(
						(m) => m[1] as string,
					),
				]
			: [];
		if (path.length === 0 || path.some((p) => RESERVED.has(p)))
			throw paramError(name, `Invalid parameter name: ${name}`);
		let node = root;
		path.forEach((segment, i) => {
			const key = segment === "" ? String(Object.keys(node).length) : segment;
			const existing = Object.hasOwn(node, key) ? node[key] : undefined;
			if (i === path.length - 1) {
				if (typeof existing === "object")
					throw paramError(
						name,
						`Invalid ${name}: cannot mix a value and a hash`,
					);
				node[key] = value;
				return;
			}
			const next = existing ?? {};
			if (typeof next === "string")
				throw paramError(
					name,
					`Invalid ${name}: cannot mix a value and a hash`,
				);
			node[key] = next;
			node = next;
		});
	}
	return root;
}

/** JSON with sorted keys: equal for equal parameters whatever order they were sent in. */
export function canonical(value: FormValue): string {
	if (typeof value === "string") return JSON.stringify(value);
	const keys = Object.keys(value).sort();
	return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as FormValue)}`).join(",")}}`;
}

/** The `expand[]` field names (`expand[0]=a&expand[1]=b`), in index order. */
export function expandOf(form: FormObject): string[] {
	const name = "expand";
	const value = Object.hasOwn(form, name) ? form[name] : undefined;
	if (value === undefined || value === "") return [];
	if (typeof value === "string") return [value];
	return Object.keys(value)
		.sort((a, b) => Number(a) - Number(b))
		.map((k) => {
			const item = value[k];
			if (!/^\d+$/.test(k) || typeof item !== "string")
				throw paramError(name, `Invalid array: ${name}`);
			return item;
		});
}

/** Typed access to one request's parameters; unknown top-level names are refused up front. */
export class Params {
	readonly #form: FormObject;

	/** `allowed`: the parameter names the endpoint takes, space-separated (`expand` always). */
	constructor(form: FormObject, allowed: string) {
		const names = allowed.split(" ");
		for (const key of Object.keys(form)) {
			if (key !== "expand" && !names.includes(key))
				throw paramError(
					key,
					`Received unknown parameter: ${key}`,
					"parameter_unknown",
				);
		}
		this.#form = form;
	}

	/** A value by its wire name, e.g. `automatic_payment_methods[enabled]`. */
	#raw(name: string): FormValue | undefined {
		let value: FormValue | undefined = this.#form;
		for (const part of name.replaceAll("]", "").split("[")) {
			if (typeof value !== "object" || !Object.hasOwn(value, part))
				return undefined;
			value = value[part];
		}
		return value;
	}

	/** A string parameter; an empty string counts as absent, as in Stripe. */
	string(name: string): string | undefined {
		const value = this.#raw(name);
		if (value === undefined || value === "") return undefined;
		if (typeof value !== "string")
			throw paramError(name, `Invalid string: ${name} must be a string`);
		return value;
	}

	required(name: string): string {
		const value = this.string(name);
		if (value === undefined)
			throw paramError(
				name,
				`Missing required param: ${name}.`,
				"parameter_missing",
			);
		return value;
	}

	/** A positive integer amount in the currency's smallest unit (Stripe's per-currency minimums are not applied). */
	amount(name: string, required: true): number;
	amount(name: string, required?: boolean): number | undefined;
	amount(name: string, required = false): number | undefined {
		const raw = required ? this.required(name) : this.string(name);
		if (raw === undefined) return undefined;
		if (!/^-?\d+$/.test(raw))
			throw paramError(
				name,
				`Invalid integer: ${raw}`,
				"parameter_invalid_integer",
			);
		const amount = Number(raw);
		if (amount < 1)
			throw paramError(
				name,
				"This value must be greater than or equal to 1.",
				"amount_too_small",
			);
		if (amount > 99_999_999)
			throw paramError(
				name,
				"Amount must be no more than 99999999 in the currency's smallest unit.",
				"amount_too_large",
			);
		return amount;
	}

	currency(name: string): string {
		const raw = this.required(name);
		if (!/^[a-z]{3}$/i.test(raw))
			throw paramError(
				name,
				`Invalid currency: ${raw}. Stripe currencies are three-letter ISO codes, e.g. usd or eur.`,
			);
		return raw.toLowerCase();
	}

	boolean(name: string): boolean | undefined {
		const raw = this.string(name);
		if (raw === undefined) return undefined;
		if (raw !== "true" && raw !== "false")
			throw paramError(name, `Invalid boolean: ${raw}`);
		return raw === "true";
	}

	oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
		const raw = this.string(name);
		if (raw === undefined || (values as readonly string[]).includes(raw))
			return raw as T | undefined;
		throw paramError(
			name,
			`Invalid ${name}: must be one of ${values.join(", ")}`,
		);
	}

	/** A hash parameter: refuses keys it does not know, as Stripe does. */
	hash(name: string, keys: readonly string[]): void {
		const value = this.#raw(name);
		if (value === undefined || value === "") return;
		if (typeof value === "string")
			throw paramError(name, `Invalid object: ${name} must be a hash`);
		for (const key of Object.keys(value)) {
			if (!keys.includes(key))
				throw paramError(
					`${name}[${key}]`,
					`Received unknown parameter: ${name}[${key}]`,
					"parameter_unknown",
				);
		}
	}

	/** `metadata[key]=value` pairs within Stripe's limits; empty values are dropped. */
	metadata(): Record<string, string> {
		const value = this.#raw("metadata");
		if (value === undefined || value === "") return {};
		if (typeof value === "string")
			throw paramError(
				"metadata",
				"Invalid metadata: metadata must be a hash of keys to strings",
			);
		const entries = Object.entries(value);
		if (entries.length > 50)
			throw paramError("metadata", "Metadata can have up to 50 keys.");
		const metadata: Record<string, string> = {};
		for (const [key, item] of entries) {
			const param = `metadata[${key}]`;
			if (typeof item !== "string")
				throw paramError(
					param,
					"Invalid metadata: values must be strings, not hashes",
				);
			if (key.length > 40)
				throw paramError(param, "Metadata keys can have up to 40 characters.");
			if (item.length > 500)
				throw paramError(
					param,
					"Metadata values can have up to 500 characters.",
				);
			if (item !== "") metadata[key] = item;
		}
		return metadata;
	}
}
