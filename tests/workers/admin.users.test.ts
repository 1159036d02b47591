import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { users } from "../../src/db/schema";
import { adminGet, holdingLocks, newAdmin } from "./helpers/admin";
import {
	bearer,
	login,
	PASSWORD,
	refresh,
	register,
	signToken,
	uniqueIp,
} from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";
import { captureQueues, paidOrder } from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

type Admin = Awaited<ReturnType<typeof newAdmin>>;

function patchUser(admin: Admin, id: string, body: unknown) {
	return call(
		`/v1/admin/users/${id}`,
		json(body, { method: "PATCH", headers: admin.headers }),
	);
}

/** A registered account promoted to admin in the database, with an admin token for it. */
async function dbAdmin(): Promise<Admin & { email: string }> {
	const session = await register();
	await testDb()
		.update(users)
		.set({ role: "admin" })
		.where(sql`${users.id} = ${session.userId}::uuid`);
	return {
		id: session.userId,
		email: session.email,
		headers: bearer(await signToken({ role: "admin", sub: session.userId })),
	};
}

interface AuditPage {
	data: {
		action: string;
		actorId: string;
		targetId: string;
		before: Record<string, unknown> | null;
		after: Record<string, unknown> | null;
		requestId: string | null;
	}[];
	nextCursor: string | null;
}

async function auditOf(admin: Admin, targetId: string) {
	const res = await adminGet(
		admin,
		`/v1/admin/audit-log?targetType=user&targetId=${targetId}`,
	);
	expect(res.status).toBe(200);
	return ((await res.json()) as AuditPage).data;
}

describe("PATCH /v1/admin/users/{id}", () => {
	it("disables an account: every session revoked at once, refresh 401, audited; re-enabling restores login", async () => {
		const admin = await newAdmin();
		const customer = await register();
		const res = await patchUser(admin, customer.userId, { disabled: true });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(await res.json()).toMatchObject({
			id: customer.userId,
			status: "disabled",
			disabledAt: expect.any(String),
		});
		await expectError(
			await refresh(customer.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		expect((await login(customer.email)).status).toBe(401);
		const [entry] = await auditOf(admin, customer.userId);
		expect(entry).toMatchObject({
			action: "user.update",
			actorId: admin.id,
			before: { status: "active" },
			after: { status: "disabled" },
			requestId: res.headers.get("x-request-id"),
		});
		const detail = (await (
			await adminGet(admin, `/v1/admin/users/${customer.userId}`)
		).json()) as { sessions: Record<string, unknown>[] };
		expect(detail.sessions[0]).toMatchObject({
			revokedReason: "account_disabled",
		});
		expect(JSON.stringify(detail)).not.toMatch(/token|hash/i);

		expect(
			(await patchUser(admin, customer.userId, { disabled: false })).status,
		).toBe(200);
		expect((await login(customer.email)).status).toBe(200);
	});

	it("renames and promotes; refuses self-demotion, empty and unknown fields, unknown users", async () => {
		const admin = await dbAdmin();
		const customer = await register();
		const res = await patchUser(admin, customer.userId, {
			name: "  Grace Hopper ",
			role: "admin",
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			name: "Grace Hopper",
			role: "admin",
		});
		await expectError(
			await patchUser(admin, admin.id, { role: "customer" }),
			409,
			"CANNOT_CHANGE_SELF",
		);
		await expectError(
			await patchUser(admin, admin.id, { disabled: true }),
			409,
			"CANNOT_CHANGE_SELF",
		);
		for (const body of [{}, { role: "root" }, { password: "x" }, { name: "" }])
			await expectError(
				await patchUser(admin, customer.userId, body),
				400,
				"VALIDATION_FAILED",
			);
		await expectError(
			await patchUser(admin, crypto.randomUUID(), { name: "x" }),
			404,
			"NOT_FOUND",
		);
	});

	it("never leaves the shop without an active admin, even when the last two are demoted at once", async () => {
		const a = await dbAdmin();
		const b = await dbAdmin();
		// Only these two are active admins now (tests sign admin tokens without accounts).
		await testDb().execute(
			sql`update users set role = 'customer' where role = 'admin' and id not in (${a.id}::uuid, ${b.id}::uuid)`,
		);
		// Demoted by two other admins: had a and b demoted each other, one demotion could revoke the
		// other's token before its request is checked (401 TOKEN_REVOKED at the door), and the
		// database's guard would not be reached. Both requests arrive while the target rows are
		// locked elsewhere, so they truly overlap.
		const [c, d] = await Promise.all([newAdmin(), newAdmin()]);
		const answers = await holdingLocks(
			sql`select id from users where id in (${a.id}::uuid, ${b.id}::uuid) for update`,
			600,
			() =>
				Promise.all([
					patchUser(c, a.id, { role: "customer" }),
					patchUser(d, b.id, { role: "customer" }),
				]),
		);
		expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
		await expectError(
			answers.find((r) => r.status === 409) as Response,
			409,
			"LAST_ADMIN",
		);
		const { rows } = await testDb().execute<{ id: string }>(
			sql`select id from users where role = 'admin' and disabled_at is null`,
		);
		expect(rows).toHaveLength(1);
		const survivor = rows[0]?.id ?? "";
		const other = await newAdmin();
		await expectError(
			await patchUser(other, survivor, { disabled: true }),
			409,
			"LAST_ADMIN",
		);
	});
});

describe("GET /v1/admin/users", () => {
	it("lists accounts with order count and spend, filtered, in keyset pages of one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const res = await adminGet(
			admin,
			`/v1/admin/users?q=${encodeURIComponent(o.placed.email)}`,
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const page = (await res.json()) as { data: unknown[] };
		expect(page.data).toEqual([
			expect.objectContaining({
				email: o.placed.email,
				role: "customer",
				status: "active",
				orderCount: 1,
				totalSpent: [{ currency: o.placed.order.currency, amount: o.total }],
			}),
		]);
		// Walk three new customers two at a time: newest first, each once.
		const tag = crypto.randomUUID();
		const made: string[] = [];
		for (let i = 0; i < 3; i++)
			made.unshift((await register({ name: `Walker ${tag}` })).userId);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const r = await adminGet(
				admin,
				`/v1/admin/users?q=${tag}&role=customer&status=active&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
			);
			const body = (await r.json()) as {
				data: { id: string }[];
				nextCursor: string | null;
			};
			seen.push(...body.data.map((u) => u.id));
			cursor = body.nextCursor;
			pages++;
		} while (cursor && pages < 5);
		expect({ seen, pages }).toEqual({ seen: made, pages: 2 });
		// Creation dates: [createdFrom, createdTo) around the middle account; status and role.
		const { rows } = await testDb().execute<{ id: string; at: string }>(
			sql`select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
				from users where id in (${sql.join(
					made.map((id) => sql`${id}::uuid`),
					sql`, `,
				)})`,
		);
		const at = (id: string | undefined) =>
			rows.find((r) => r.id === id)?.at ?? "";
		const ids = async (query: string) =>
			(
				(await (
					await adminGet(admin, `/v1/admin/users?q=${tag}&${query}`)
				).json()) as { data: { id: string }[] }
			).data.map((u) => u.id);
		const [newest, middle, oldest] = made;
		const justAfter = (iso: string) =>
			new Date(new Date(iso).getTime() + 1).toISOString();
		expect(
			await ids(`createdFrom=${at(middle)}&createdTo=${justAfter(at(middle))}`),
		).toEqual([middle]);
		expect(await ids(`createdTo=${at(middle)}`)).toEqual([oldest]);
		expect(await ids(`createdFrom=${justAfter(at(middle))}`)).toEqual([newest]);
		expect(
			(await patchUser(admin, oldest ?? "", { disabled: true })).status,
		).toBe(200);
		expect(await ids("status=disabled")).toEqual([oldest]);
		expect(await ids("status=active")).toEqual([newest, middle]);
		expect(
			(await patchUser(admin, newest ?? "", { role: "admin" })).status,
		).toBe(200);
		expect(await ids("role=admin")).toEqual([newest]);
		for (const query of ["role=root", "status=gone", "limit=0", "x=1"])
			await expectError(
				await adminGet(admin, `/v1/admin/users?${query}`),
				400,
				"VALIDATION_FAILED",
			);
		// A NUL is refused by the router for every input (text-input.test.ts); other junk is a
		// malformed cursor.
		await expectError(
			await adminGet(admin, "/v1/admin/users?cursor=%00"),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await adminGet(admin, "/v1/admin/users?cursor=not-a-cursor"),
			400,
			"INVALID_CURSOR",
		);
	});
});

describe("GET /v1/admin/users/{id} sessions", () => {
	it("name each session's device (the User-Agent that signed in, cut to 256) and when it was last used", async () => {
		const admin = await newAdmin();
		const customer = await register();
		const phone =
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15";
		const loginFrom = (userAgent: string) =>
			call(
				"/v1/auth/login",
				json(
					{
						email: customer.email,
						password: PASSWORD,
						refreshTokenDelivery: "body",
					},
					{
						headers: {
							"CF-Connecting-IP": uniqueIp(),
							"User-Agent": userAgent,
						},
					},
				),
			);
		expect((await loginFrom(phone)).status).toBe(200);
		expect((await loginFrom(`bot/${"x".repeat(400)}`)).status).toBe(200);
		const res = await adminGet(admin, `/v1/admin/users/${customer.userId}`);
		expect(res.status).toBe(200);
		const { sessions } = (await res.json()) as {
			sessions: { userAgent: string | null; lastUsedAt: string | null }[];
		};
		// Newest first: the bot, the phone, then register's session (its request named no agent).
		expect(sessions.map((s) => s.userAgent)).toEqual([
			`bot/${"x".repeat(252)}`,
			phone,
			null,
		]);
		expect(sessions.every((s) => s.lastUsedAt !== null)).toBe(true);
	});
});

describe("GET /v1/admin/users spend", () => {
	it("sums a customer's orders past 2^31 minor units", async () => {
		captureQueues();
		const admin = await newAdmin();
		const [a, b] = [await paidOrder(), await paidOrder()];
		// Both orders the first customer's, of 15,000,000.00 each.
		await testDb().execute(sql`update orders set
			user_id = (select user_id from orders where id = ${a.orderId}::uuid),
			subtotal = 1500000000 - shipping_total, total = 1500000000
			where id in (${a.orderId}::uuid, ${b.orderId}::uuid)`);
		const res = await adminGet(
			admin,
			`/v1/admin/users?q=${encodeURIComponent(a.placed.email)}`,
		);
		expect(res.status).toBe(200);
		expect(((await res.json()) as { data: unknown[] }).data).toEqual([
			expect.objectContaining({
				orderCount: 2,
				totalSpent: [
					{ currency: a.placed.order.currency, amount: 3_000_000_000 },
				],
			}),
		]);
	});
});

describe("POST /v1/admin/users/{id}/password-reset", () => {
	it("emails the reset link and records it in the audit log", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const customer = await register();
		const res = await call(
			`/v1/admin/users/${customer.userId}/password-reset`,
			{
				method: "POST",
				headers: admin.headers,
			},
		);
		expect(res.status).toBe(202);
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "password_reset",
				to: expect.objectContaining({ email: customer.email }),
			}),
		]);
		expect((await auditOf(admin, customer.userId))[0]).toMatchObject({
			action: "user.password_reset",
			actorId: admin.id,
		});
		// A disabled account gets no email and no audit row: 409, re-enable it first.
		expect(
			(await patchUser(admin, customer.userId, { disabled: true })).status,
		).toBe(200);
		queues.emails.length = 0;
		const refused = await expectError(
			await call(`/v1/admin/users/${customer.userId}/password-reset`, {
				method: "POST",
				headers: admin.headers,
			}),
			409,
			"CONFLICT",
		);
		expect(refused.details).toMatchObject({ reason: "disabled" });
		expect(queues.emails).toEqual([]);
		expect(
			(await auditOf(admin, customer.userId)).map((e) => e.action),
		).toEqual(["user.update", "user.password_reset"]);
		await expectError(
			await call(`/v1/admin/users/${crypto.randomUUID()}/password-reset`, {
				method: "POST",
				headers: admin.headers,
			}),
			404,
			"NOT_FOUND",
		);
	});
});
