import { log } from "../../lib/log";
import type { OrderSnapshot } from "../orders/snapshot.queries";

/**
 * Business data points in Workers Analytics Engine (binding `ANALYTICS`), so operators can chart
 * sales without touching the database. One point per order that becomes paid and one per refund
 * that succeeds, written by whichever code path made that change in the database (a duplicate
 * or late delivery changes nothing and writes nothing). Schema of every point:
 *
 * | column  | order_paid                     | refund                                   |
 * |---------|--------------------------------|------------------------------------------|
 * | index1  | order id (sampling key)        | order id                                 |
 * | blob1   | `order_paid`                   | `refund`                                 |
 * | blob2   | currency (ISO, upper case)     | currency                                 |
 * | blob3   | order id                       | order id                                 |
 * | blob4   | order status after (`paid`)    | order status after (`partially_refunded`, `refunded`, `cancelled`) |
 * | blob5   | order number                   | Stripe refund id                         |
 * | double1 | amount: order total, minor units | amount refunded by this refund         |
 * | double2 | units (item quantities summed) | units of the order                       |
 * | double3 | order lines                    | order lines                              |
 * | double4 | order total                    | order total                              |
 * | double5 | refunded total of the order (0) | refunded total of the order after it    |
 *
 * The order id is the index so an order's payment and its refunds are sampled together (net
 * revenue per order stays consistent under Analytics Engine's sampling).
 */
type Kind = "order_paid" | "refund";

function point(
	kind: Kind,
	order: OrderSnapshot,
	amount: number,
	ref: string,
): AnalyticsEngineDataPoint {
	const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
	return {
		indexes: [order.id],
		blobs: [kind, order.currency.toUpperCase(), order.id, order.status, ref],
		doubles: [
			amount,
			units,
			order.items.length,
			order.total,
			order.refundedTotal,
		],
	};
}

/** Writing a point never fails the work that caused it; unbound (locally), it does nothing. */
function write(
	dataset: AnalyticsEngineDataset | undefined,
	p: AnalyticsEngineDataPoint,
): void {
	if (!dataset) return;
	try {
		dataset.writeDataPoint(p);
	} catch (err) {
		log("warn", "analytics data point not written", {
			error: err instanceof Error ? err.message : String(err),
		});
	}
}

/** The order has just become paid. */
export function recordOrderPaid(
	dataset: AnalyticsEngineDataset | undefined,
	order: OrderSnapshot,
): void {
	write(dataset, point("order_paid", order, order.total, order.number));
}

/** A refund of the order has just succeeded (`order` as it is after it). */
export function recordRefund(
	dataset: AnalyticsEngineDataset | undefined,
	order: OrderSnapshot,
	refund: { id: string; amount: number },
): void {
	write(dataset, point("refund", order, refund.amount, refund.id));
}
