import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { passwordResetTokens } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/tokens";
import {
	bearer,
	login,
	PASSWORD,
	refresh,
	register,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

afterEach(() => vi.restoreAllMocks());

const NEW_PASSWORD = "amber-lantern-canyon-77";

const forgot = (email: string, ip = uniqueIp()) =>
	call(
		"/v1/auth/password/forgot",
		json({ email }, { headers: { "CF-Connecting-IP": ip } }),
	);

const reset = (token: string, password = NEW_PASSWORD) =>
	call("/v1/auth/password/reset", json({ token, password }));

/** Asks for a reset and reads the token out of the message the Worker put on the email queue. */
async function resetTokenFor(email: string): Promise<string> {
	const send = vi.spyOn(env.EMAIL_QUEUE, "send");
	const res = await forgot(email);
	expect(res.status).toBe(202);
	const message = send.mock.calls.at(-1)?.[0] as { data: { token: string } };
	send.mockRestore();
	return message.data.token;
}

describe("POST /v1/auth/password/forgot", () => {
	it("enqueues a password_reset email with a one-hour token for an existing account", async () => {
		const { email } = await register();
		const send = vi.spyOn(env.EMAIL_QUEUE, "send");
		const res = await forgot(email.toUpperCase());
		expect(res.status).toBe(202);
		expect(dbRoundTrips(res)).toBe(1);
		expect(send).toHaveBeenCalledTimes(1);
		const [message] = send.mock.calls[0] ?? [];
		expect(message).toMatchObject({
			template: "password_reset",
			idempotencyKey: expect.stringMatching(/^password_reset:/),
			to: { email, name: "Test Customer" },
			data: { token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
		});
		const { expiresAt } = (message as { data: { expiresAt: string } }).data;
		const minutes = (Date.parse(expiresAt) - Date.now()) / 60_000;
		expect(minutes).toBeGreaterThan(58);
		expect(minutes).toBeLessThanOrEqual(60);
		// Only the hash is stored.
		const token = (message as { data: { token: string } }).data.token;
		const stored = await testDb()
			.select()
			.from(passwordResetTokens)
			.where(eq(passwordResetTokens.tokenHash, await sha256Hex(token)));
		expect(stored).toHaveLength(1);
		expect(JSON.stringify(stored)).not.toContain(token);
	});

	it("answers an unknown email exactly like a known one, and enqueues nothing", async () => {
		const { email } = await register();
		const known = await forgot(email);
		const send = vi.spyOn(env.EMAIL_QUEUE, "send");
		const unknown = await forgot(uniqueEmail("nobody"));
		expect(send).not.toHaveBeenCalled();
		expect({ status: unknown.status, body: await unknown.json() }).toEqual({
			status: known.status,
			body: await known.json(),
		});
		expect(dbRoundTrips(unknown)).toBe(dbRoundTrips(known));
	});
});

describe("POST /v1/auth/password/reset", () => {
	it("sets the new password, burns the token and revokes every session, in 2 round trips", async () => {
		const session = await register();
		const token = await resetTokenFor(session.email);
		const res = await reset(token);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(2);
		await expectError(
			await refresh(session.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		await expectError(await login(session.email), 401, "INVALID_CREDENTIALS");
		expect((await login(session.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("answers 400 INVALID_RESET_TOKEN when the token is used a second time", async () => {
		const { email } = await register();
		const token = await resetTokenFor(email);
		expect((await reset(token)).status).toBe(204);
		await expectError(
			await reset(token, "another-fine-passphrase"),
			400,
			"INVALID_RESET_TOKEN",
		);
	});

	it("answers 400 INVALID_RESET_TOKEN for an expired token", async () => {
		const { email } = await register();
		const token = await resetTokenFor(email);
		await testDb()
			.update(passwordResetTokens)
			.set({ expiresAt: sql`now() - interval '1 second'` })
			.where(eq(passwordResetTokens.tokenHash, await sha256Hex(token)));
		await expectError(await reset(token), 400, "INVALID_RESET_TOKEN");
	});

	it("answers 400 INVALID_RESET_TOKEN for unknown and malformed tokens", async () => {
		await expectError(await reset("C".repeat(43)), 400, "INVALID_RESET_TOKEN");
		await expectError(await reset("short"), 400, "INVALID_RESET_TOKEN");
	});

	it("invalidates the user's other outstanding reset tokens once one is used", async () => {
		const { email } = await register();
		const older = await resetTokenFor(email);
		const newer = await resetTokenFor(email);
		expect((await reset(newer)).status).toBe(204);
		await expectError(await reset(older), 400, "INVALID_RESET_TOKEN");
	});

	it("answers 400 WEAK_PASSWORD and leaves the token usable", async () => {
		const { email } = await register();
		const token = await resetTokenFor(email);
		await expectError(await reset(token, "password123"), 400, "WEAK_PASSWORD");
		expect((await reset(token)).status).toBe(204);
	});

	it("answers 400 VALIDATION_FAILED for a short password", async () => {
		await expectError(
			await reset("D".repeat(43), "short"),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("POST /v1/me/password", () => {
	const change = (accessToken: string, body: Record<string, unknown>) =>
		call("/v1/me/password", json(body, { headers: bearer(accessToken) }));

	it("changes the password, keeps this session and revokes the others", async () => {
		const current = await register();
		const other = (await (await login(current.email)).json()) as {
			refreshToken: string;
		};
		const res = await change(current.accessToken, {
			currentPassword: PASSWORD,
			newPassword: NEW_PASSWORD,
		});
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(2);
		await expectError(
			await refresh(other.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		expect((await refresh(current.refreshToken)).status).toBe(200);
		await expectError(await login(current.email), 401, "INVALID_CREDENTIALS");
		expect((await login(current.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("answers 400 INVALID_CURRENT_PASSWORD (not 401: the session stays valid) when the current password is wrong", async () => {
		const { accessToken } = await register();
		const res = await change(accessToken, {
			currentPassword: "not-my-password",
			newPassword: NEW_PASSWORD,
		});
		const error = await expectError(res, 400, "INVALID_CURRENT_PASSWORD");
		expect(error.details).toEqual({ field: "currentPassword" });
		// The access token still works: nothing about the session changed.
		const me = await call("/v1/me", {
			headers: { Authorization: `Bearer ${accessToken}` },
		});
		expect(me.status).toBe(200);
	});

	it("answers 400 WEAK_PASSWORD or VALIDATION_FAILED for an unacceptable new password", async () => {
		const { accessToken } = await register();
		await expectError(
			await change(accessToken, {
				currentPassword: PASSWORD,
				newPassword: "baseball1",
			}),
			400,
			"WEAK_PASSWORD",
		);
		await expectError(
			await change(accessToken, {
				currentPassword: PASSWORD,
				newPassword: "2short",
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});
