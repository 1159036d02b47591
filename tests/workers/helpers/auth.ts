import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { expect } from "vitest";
import { fromBase64Url, toBase64Url } from "../../../src/lib/encoding";
import { call, json } from "./http";

export const PASSWORD = "violet-otter-harbour-42";
export const STOREFRONT = "http://localhost:3000";

/** A fresh email per call: the database and Redis are shared across files and runs. */
export function uniqueEmail(tag = "user"): string {
	return `${tag}-${crypto.randomUUID()}@example.com`;
}

/** A fresh client address per call, so per-IP rate limits never leak between tests or runs. */
export function uniqueIp(): string {
	const b = crypto.getRandomValues(new Uint16Array(4));
	return `2001:db8:${Array.from(b, (n) => n.toString(16)).join(":")}`;
}

/** Reads the refresh cookie (value and attributes) set by a response. */
export function refreshCookie(res: Response) {
	const header = res.headers
		.getSetCookie()
		.find((c) => c.startsWith("vs_refresh="));
	if (!header) return undefined;
	const [pair, ...attrs] = header.split(";").map((s) => s.trim());
	return {
		value: decodeURIComponent(pair?.slice("vs_refresh=".length) ?? ""),
		attributes: attrs,
		header,
	};
}

interface Session {
	userId: string;
	email: string;
	accessToken: string;
	refreshToken: string;
}

/** Registers a customer (body delivery, so tests hold the refresh token) from a unique IP. */
export async function register(
	overrides: Record<string, unknown> = {},
): Promise<Session> {
	const email = uniqueEmail();
	const res = await call(
		"/v1/auth/register",
		json(
			{
				email,
				password: PASSWORD,
				name: "Test Customer",
				refreshTokenDelivery: "body",
				...overrides,
			},
			{ headers: { "CF-Connecting-IP": uniqueIp() } },
		),
	);
	expect(res.status).toBe(201);
	const body = (await res.json()) as {
		user: { id: string; email: string };
		accessToken: string;
		refreshToken: string;
	};
	return {
		userId: body.user.id,
		email: body.user.email,
		accessToken: body.accessToken,
		refreshToken: body.refreshToken,
	};
}

/** Logs in with body delivery; returns the raw response and parsed session on success. */
export async function login(
	email: string,
	password = PASSWORD,
	ip = uniqueIp(),
) {
	return call(
		"/v1/auth/login",
		json(
			{ email, password, refreshTokenDelivery: "body" },
			{ headers: { "CF-Connecting-IP": ip } },
		),
	);
}

export function refresh(refreshToken: string, ip = uniqueIp()) {
	return call(
		"/v1/auth/refresh",
		json({ refreshToken }, { headers: { "CF-Connecting-IP": ip } }),
	);
}

export function bearer(token: string): Record<string, string> {
	return { Authorization: `Bearer ${token}` };
}

const testKey = () => new TextEncoder().encode(env.JWT_SECRET);

/**
 * Signs an access token like the API does, with any claim overridable, for the forged-token cases
 * (another key, expired, wrong audience, wrong role).
 */
export function signToken(
	opts: {
		sub?: string;
		role?: string;
		iss?: string;
		aud?: string;
		iat?: number;
		exp?: number;
		key?: Uint8Array;
	} = {},
): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({ role: opts.role ?? "customer" })
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setSubject(opts.sub ?? crypto.randomUUID())
		.setIssuer(opts.iss ?? env.JWT_ISSUER)
		.setAudience(opts.aud ?? env.JWT_AUDIENCE)
		.setIssuedAt(opts.iat ?? now)
		.setExpirationTime(opts.exp ?? now + 900)
		.sign(opts.key ?? testKey());
}

const b64url = (value: unknown) =>
	toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** An unsigned token (`alg: none`) that would otherwise be valid. */
export function unsignedToken(role = "admin"): string {
	const now = Math.floor(Date.now() / 1000);
	return `${b64url({ alg: "none", typ: "JWT" })}.${b64url({
		sub: crypto.randomUUID(),
		role,
		iss: env.JWT_ISSUER,
		aud: env.JWT_AUDIENCE,
		iat: now,
		exp: now + 900,
	})}.`;
}

/** A genuine token with its payload edited (signature kept), e.g. role promoted to admin. */
export function tamperedToken(
	token: string,
	changes: Record<string, unknown>,
): string {
	const [header, payload, signature] = token.split(".");
	const claims = JSON.parse(
		new TextDecoder().decode(fromBase64Url(payload ?? "")),
	);
	return `${header}.${b64url({ ...claims, ...changes })}.${signature}`;
}
