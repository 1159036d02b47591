/**
 * Request plumbing of the local Stripe stand-in: the API key and version checks Stripe makes,
 * the Idempotency-Key cache, and the fail-next rules of the control surface.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { StripeApiError } from "./stripe-form";

export interface Outcome {
	status: number;
	/** Indented JSON, as Stripe answers; a replay sends these exact bytes. */
	body: string;
	/** Whether an idempotent result is kept (the request started executing). */
	saved: boolean;
}

export const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** An error raised before the request executes (never saved for idempotency). */
export const invalid = (
	status: number,
	message: string,
	type = "invalid_request_error",
) => new StripeApiError(status, { type, message }, false);

export function send(res: ServerResponse, status: number, body: string): void {
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(body),
		"cache-control": "no-cache, no-store",
	});
	res.end(body);
}

export function header(
	headers: IncomingHttpHeaders,
	name: string,
): string | undefined {
	const value = headers[name];
	const text = Array.isArray(value) ? value.join(", ") : value;
	return text === "" ? undefined : text;
}

/** The Stripe-Version to answer with: the requested one if well-formed, else the default. */
export function versionOf(
	requested: string | undefined,
	fallback: string,
): string {
	if (requested === undefined) return fallback;
	if (!/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(requested))
		throw invalid(400, `Invalid Stripe API version: ${requested}`);
	return requested;
}

const NO_KEY =
	"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

const redact = (key: string) =>
	key.length <= 12
		? "*".repeat(key.length)
		: `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}`;

/** The secret key from `Bearer <key>`, or Basic with the key as username (Stripe takes both). */
export function apiKeyOf(authorization: string | undefined): string {
	const [scheme = "", credentials = ""] = (authorization ?? "")
		.trim()
		.split(/\s+/, 2);
	let key = "";
	if (/^bearer$/i.test(scheme)) key = credentials;
	else if (/^basic$/i.test(scheme))
		key =
			Buffer.from(credentials, "base64").toString("utf8").split(":")[0] ?? "";
	if (key === "") throw invalid(401, NO_KEY);
	if (/^[sr]k_live_/.test(key))
		throw invalid(
			401,
			`The local Stripe stand-in refuses live-mode keys (${redact(key)}); use an sk_test_ key.`,
		);
	if (!/^sk_test_\w+$/.test(key))
		throw invalid(401, `Invalid API Key provided: ${redact(key)}`);
	return key;
}

interface Saved extends Outcome {
	path: string;
	params: string;
	requestId: string;
	at: number;
}

const TTL_MS = 24 * 60 * 60 * 1000;

/** Results by (API key, Idempotency-Key), pruned after 24 hours as Stripe does. */
export class IdempotencyCache {
	/** Insertion order is age order, so pruning stops at the first fresh entry. */
	readonly #saved = new Map<string, Saved>();

	/** The saved result for this key, if any; a key reused for another request, or too long, is an error. */
	find(
		apiKey: string,
		key: string,
		path: string,
		params: string,
	): Saved | undefined {
		if (key.length > 255)
			throw invalid(
				400,
				`Idempotency keys can be at most 255 characters long; this one has ${key.length}.`,
			);
		const cutoff = Date.now() - TTL_MS;
		for (const [scope, saved] of this.#saved) {
			if (saved.at >= cutoff) break;
			this.#saved.delete(scope);
		}
		const saved = this.#saved.get(`${apiKey} ${key}`);
		const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
		if (saved && saved.path !== path)
			throw invalid(
				400,
				`Keys for idempotent requests can only be used for the same endpoint they were first used for ('${saved.path}' vs '${path}'). ${retry}`,
				"idempotency_error",
			);
		if (saved && saved.params !== params)
			throw invalid(
				400,
				`Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`,
				"idempotency_error",
			);
		return saved;
	}

	save(apiKey: string, key: string, saved: Omit<Saved, "at">): void {
		this.#saved.set(`${apiKey} ${key}`, { ...saved, at: Date.now() });
	}
}

export interface FailureRule {
	/** Any method when absent. */
	method?: string;
	/** An exact path or a pattern; any path when absent. */
	path?: string | RegExp;
	/** How many matching requests fail; default 1. */
	times?: number;
	mode: { status: number } | "hang";
}

/** The fail-next rules of the control surface, consumed by the requests they match. */
export class FailureRules {
	readonly #rules: (FailureRule & { left: number })[] = [];

	add(rule: FailureRule): void {
		const times = rule.times ?? 1;
		if (!Number.isInteger(times) || times < 1)
			throw new Error("times must be a positive integer");
		const { mode, method } = rule;
		const status = typeof mode === "object" ? mode?.status : undefined;
		if (
			mode !== "hang" &&
			!(
				Number.isInteger(status) &&
				Number(status) >= 100 &&
				Number(status) <= 599
			)
		)
			throw new Error('mode must be "hang" or { status: 100..599 }');
		if (method !== undefined && typeof method !== "string")
			throw new Error("method must be a string");
		// Copied without the g and y flags, which make test() stateful.
		const path =
			rule.path instanceof RegExp
				? new RegExp(rule.path.source, rule.path.flags.replace(/[gy]/g, ""))
				: rule.path;
		this.#rules.push({
			method: method?.toUpperCase(),
			path,
			mode,
			left: times,
		});
	}

	/** Parses the JSON body of `POST /__control/fail-next` and adds the rule. */
	addJson(text: string): void {
		const rule = JSON.parse(text) as FailureRule | null;
		if (typeof rule !== "object" || rule === null)
			throw new Error(
				"expected a JSON object { method?, path?, times?, mode }",
			);
		if (rule.path !== undefined && typeof rule.path !== "string")
			throw new Error("path must be a string");
		this.add(rule);
	}

	/** The failure for this request, if a rule matches (using up one of its times). */
	take(method: string, path: string): FailureRule["mode"] | undefined {
		const index = this.#rules.findIndex(
			(r) =>
				(r.method === undefined || r.method === method) &&
				(r.path === undefined ||
					(typeof r.path === "string" ? r.path === path : r.path.test(path))),
		);
		const rule = this.#rules[index];
		if (!rule) return undefined;
		rule.left -= 1;
		if (rule.left === 0) this.#rules.splice(index, 1);
		return rule.mode;
	}
}
