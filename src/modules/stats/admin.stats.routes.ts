import { createRoute, z } from "@hono/zod-openapi";
import {
	errorResponses,
	jsonContent,
	bearerAuth as security,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { MAX_DAYS, shopStats } from "./admin.stats.service";

const count = z.number().int();
const money = z.number().int().openapi({ description: "Minor units" });
const product = z.object({
	productId: z.uuid().nullable(),
	name: z.string(),
	currency: z.string(),
	units: count,
	revenue: money,
});

export const statsSchema = z
	.object({
		from: z.iso.datetime(),
		to: z.iso.datetime(),
		interval: z.enum(["day", "week"]),
		totals: z.object({
			placed: count,
			paid: count,
			cancelled: count,
			refunded: count.openapi({ description: "Orders with any refund" }),
		}),
		series: z.array(
			z.object({
				start: z.iso.datetime(),
				placed: count,
				paid: count,
				cancelled: count,
				refunded: count,
			}),
		),
		revenue: z.array(
			z.object({
				currency: z.string(),
				gross: money,
				refunds: money,
				net: money,
				orders: count,
				averageOrderValue: money,
			}),
		),
		topProductsByUnits: z.array(product),
		topProductsByRevenue: z.array(product),
		lowStock: z.array(
			z.object({
				variantId: z.uuid(),
				sku: z.string(),
				productName: z.string(),
				onHand: count,
				reserved: count,
				available: count,
			}),
		),
	})
	.openapi("AdminStats");

const statsQuery = z.strictObject({
	from: z.iso.datetime().optional().openapi({
		description: "Inclusive; default 30 days before `to`",
	}),
	to: z.iso
		.datetime()
		.optional()
		.openapi({ description: "Exclusive; default now" }),
	interval: z.enum(["day", "week"]).default("day"),
});

/** /v1/admin/stats: the shop dashboard. */
export const adminStatsRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/",
		tags: ["admin: stats"],
		security,
		summary: "Orders, revenue, top products and low stock for a period",
		description: `Orders placed in [from, to) (at most ${MAX_DAYS} days), bucketed per day or ISO week (UTC): placed, paid, cancelled, refunded; revenue of paid orders per currency (gross, refunds, net, average order value); the top 10 products by units and by revenue; active variants with 5 or fewer sellable units. One round trip.`,
		middleware: requirePermission("orders:read"),
		request: { query: statsQuery },
		responses: {
			200: jsonContent(statsSchema, "the dashboard"),
			...errorResponses("VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN"),
		},
	}),
	async (c) =>
		c.json(
			(await shopStats(c.var.services.db, c.req.valid("query"))) as never,
			200,
		),
);
