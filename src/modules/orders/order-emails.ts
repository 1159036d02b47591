import type { EmailMessage } from "../emails/emails.messages";
import type { OrderSnapshot } from "./snapshot.queries";

/** The customer as an email recipient: the shipping name, else the address itself. */
function recipient(order: OrderSnapshot) {
	return {
		email: order.email,
		name: order.shippingAddress.name || order.email,
	};
}

const money = (amount: number, currency: string) => ({ amount, currency });

/** `order_confirmation`, once per order (the emails consumer dedupes by the key). */
export function confirmationEmail(order: OrderSnapshot): EmailMessage {
	const { currency } = order;
	const { name, line1, line2, city, region, postalCode, country } =
		order.shippingAddress;
	return {
		template: "order_confirmation",
		idempotencyKey: `order_confirmation:${order.id}`,
		to: recipient(order),
		data: {
			orderId: order.id,
			orderNumber: order.number,
			lines: order.items.map((item) => ({
				name: item.name,
				sku: item.sku,
				quantity: item.quantity,
				lineTotal: money(item.lineTotal, currency),
			})),
			subtotal: money(order.subtotal, currency),
			shipping: money(order.shippingTotal, currency),
			tax: money(order.taxTotal, currency),
			total: money(order.total, currency),
			shippingAddress: {
				name,
				line1,
				line2,
				city,
				region,
				postalCode,
				country,
			},
		},
	};
}

/** `order_cancelled`, once per order. */
export function cancelledEmail(order: OrderSnapshot): EmailMessage {
	return {
		template: "order_cancelled",
		idempotencyKey: `order_cancelled:${order.id}`,
		to: recipient(order),
		data: {
			orderId: order.id,
			orderNumber: order.number,
			reason: order.cancelReason,
		},
	};
}

/** `refund_issued`, once per Stripe refund. */
export function refundIssuedEmail(
	order: OrderSnapshot,
	refund: { id: string; amount: number; currency: string },
): EmailMessage {
	return {
		template: "refund_issued",
		idempotencyKey: `refund_issued:${refund.id}`,
		to: recipient(order),
		data: {
			orderId: order.id,
			orderNumber: order.number,
			amount: money(refund.amount, refund.currency.toUpperCase()),
		},
	};
}
