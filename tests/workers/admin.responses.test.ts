import { afterEach, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { statsSchema } from "../../src/modules/stats/admin.stats.routes";
import {
	adminUserDetailSchema,
	adminUserListSchema,
	auditLogSchema,
} from "../../src/modules/users/admin.users.schemas";
import { adminGet, newAdmin } from "./helpers/admin";
import { bearer } from "./helpers/auth";
import { call, dbRoundTrips, json } from "./helpers/http";
import { captureQueues, paidOrder } from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

/*
 * The declared response schemas (what /v1/openapi.json promises) against real answers: the
 * parse must succeed AND give back the very same body, so a field the schema lacks (zod strips
 * it) or a field of another type (zod refuses it) fails the test. Plus the round-trip budgets.
 */
async function matches(res: Response, schema: z.ZodType) {
	expect(res.status).toBe(200);
	const body = (await res.json()) as unknown;
	expect(schema.parse(body)).toEqual(body);
	return body;
}

/** A customer with an address, a paid order and a session: every part of the detail view. */
async function customerWithEverything() {
	const o = await paidOrder();
	const token = o.placed.who.accessToken ?? "";
	const address = await call(
		"/v1/me/addresses",
		json(
			{
				name: "Ada Lovelace",
				line1: "1 Main St",
				city: "London",
				postalCode: "N1 9GU",
				country: "GB",
			},
			{ headers: bearer(token) },
		),
	);
	expect(address.status).toBe(201);
	const me = (await (
		await call("/v1/me", { headers: bearer(token) })
	).json()) as { id: string };
	return { o, userId: me.id };
}

describe("admin responses match their declared schemas", () => {
	it("GET /v1/admin/users/{id}: profile, addresses, orders, sessions; one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		const { o, userId } = await customerWithEverything();
		const res = await adminGet(admin, `/v1/admin/users/${userId}`);
		expect(dbRoundTrips(res)).toBe(1);
		const user = (await matches(res, adminUserDetailSchema)) as {
			addresses: unknown[];
			recentOrders: { id: string }[];
			sessions: unknown[];
		};
		expect(user.addresses).toHaveLength(1);
		expect(user.recentOrders.map((r) => r.id)).toEqual([o.orderId]);
		expect(user.sessions.length).toBeGreaterThan(0);
		expect(JSON.stringify(user)).not.toMatch(/token|hash/i);
	});

	it("GET /v1/admin/users: one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		const { o } = await customerWithEverything();
		const res = await adminGet(
			admin,
			`/v1/admin/users?q=${encodeURIComponent(o.placed.email)}`,
		);
		expect(dbRoundTrips(res)).toBe(1);
		const page = (await matches(res, adminUserListSchema)) as {
			data: unknown[];
		};
		expect(page.data).toHaveLength(1);
	});

	it("POST /v1/admin/users/{id}/password-reset then GET /v1/admin/audit-log: round trips", async () => {
		captureQueues();
		const admin = await newAdmin();
		const { userId } = await customerWithEverything();
		const reset = await call(`/v1/admin/users/${userId}/password-reset`, {
			method: "POST",
			headers: admin.headers,
		});
		expect(reset.status).toBe(202);
		// The reset token and the audit row, then the email's recipient: see the README.
		expect(dbRoundTrips(reset)).toBe(2);
		const res = await adminGet(
			admin,
			`/v1/admin/audit-log?targetType=user&targetId=${userId}`,
		);
		expect(dbRoundTrips(res)).toBe(1);
		const log = (await matches(res, auditLogSchema)) as {
			data: { action: string }[];
		};
		expect(log.data.map((e) => e.action)).toEqual(["user.password_reset"]);
	});

	it("GET /v1/admin/stats: one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		await paidOrder();
		const res = await adminGet(admin, "/v1/admin/stats?interval=week");
		expect(dbRoundTrips(res)).toBe(1);
		await matches(res, statsSchema);
	});
});
