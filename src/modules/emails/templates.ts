import type { EmailMessage } from "./emails.messages";

export interface RenderedEmail {
	subject: string;
	html: string;
	text: string;
}

export interface RenderContext {
	storefrontUrl: string;
	brand: string;
}

/** Every piece of user data goes through this before it reaches HTML. */
function escapeHtml(value: string): string {
	return value
		.replaceAll("&", "&amp;")
		.replaceAll("<", "&lt;")
		.replaceAll(">", "&gt;")
		.replaceAll('"', "&quot;")
		.replaceAll("'", "&#39;");
}

function formatMoney({
	amount,
	currency,
}: {
	amount: number;
	currency: string;
}): string {
	const digits =
		new Intl.NumberFormat("en", {
			style: "currency",
			currency,
		}).resolvedOptions().maximumFractionDigits ?? 2;
	return new Intl.NumberFormat("en", { style: "currency", currency }).format(
		amount / 10 ** digits,
	);
}

function link(
	ctx: RenderContext,
	path: string,
	params: Record<string, string> = {},
): string {
	const url = new URL(path, ctx.storefrontUrl);
	for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
	return url.toString();
}

/** A block of content: HTML paragraphs/buttons (already escaped) and the same content as text. */
interface Body {
	subject: string;
	html: string[];
	text: string[];
}

function layout(ctx: RenderContext, name: string, body: Body): RenderedEmail {
	const brand = escapeHtml(ctx.brand);
	const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(body.subject)}</title></head>
<body style="margin:0;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 16px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px 32px;border-bottom:1px solid #e4e4e7;font-size:20px;font-weight:700">${brand}</td></tr>
<tr><td style="padding:24px 32px;font-size:16px;line-height:1.5">
<p>Hi ${escapeHtml(name)},</p>
${body.html.join("\n")}
</td></tr>
<tr><td style="padding:16px 32px;border-top:1px solid #e4e4e7;font-size:12px;color:#71717a">
<a href="${escapeHtml(ctx.storefrontUrl)}" style="color:#71717a">${brand}</a></td></tr>
</table></td></tr></table></body></html>`;
	const text = [
		`Hi ${name},`,
		"",
		...body.text,
		"",
		"--",
		`${ctx.brand} ${ctx.storefrontUrl}`,
	].join("\n");
	return { subject: body.subject, html, text };
}

const p = (escapedHtml: string) => `<p>${escapedHtml}</p>`;
const button = (href: string, label: string) =>
	`<p><a href="${escapeHtml(href)}" style="display:inline-block;padding:12px 20px;background:#18181b;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(label)}</a></p>`;

function body(message: EmailMessage, ctx: RenderContext): Body {
	switch (message.template) {
		case "welcome": {
			const shop = link(ctx, "/");
			return {
				subject: `Welcome to ${ctx.brand}`,
				html: [
					p(`Your ${escapeHtml(ctx.brand)} account is ready.`),
					button(shop, "Start shopping"),
				],
				text: [
					`Your ${ctx.brand} account is ready.`,
					`Start shopping: ${shop}`,
				],
			};
		}
		case "password_reset": {
			const reset = link(ctx, "/reset-password", { token: message.data.token });
			const expires = new Date(message.data.expiresAt).toUTCString();
			return {
				subject: "Reset your password",
				html: [
					p(
						"Someone asked to reset the password of your account. If it was you, use this link:",
					),
					button(reset, "Choose a new password"),
					p(
						`The link works once and expires on ${escapeHtml(expires)}. If you did not ask for it, ignore this email.`,
					),
				],
				text: [
					"Someone asked to reset the password of your account. If it was you, use this link:",
					reset,
					`The link works once and expires on ${expires}. If you did not ask for it, ignore this email.`,
				],
			};
		}
		case "order_confirmation": {
			const d = message.data;
			const order = link(ctx, `/account/orders/${d.orderId}`);
			const rows = d.lines.map(
				(l) =>
					`<tr><td>${escapeHtml(l.name)} <small>(${escapeHtml(l.sku)})</small></td><td align="right">${l.quantity}</td><td align="right">${escapeHtml(formatMoney(l.lineTotal))}</td></tr>`,
			);
			const totals: [string, string][] = [
				["Subtotal", formatMoney(d.subtotal)],
				["Shipping", formatMoney(d.shipping)],
				["Tax", formatMoney(d.tax)],
				["Total", formatMoney(d.total)],
			];
			return {
				subject: `Order ${d.orderNumber} confirmed`,
				html: [
					p(
						`Thank you for your order <strong>${escapeHtml(d.orderNumber)}</strong>.`,
					),
					`<table width="100%" cellpadding="4" cellspacing="0">${rows.join("")}${totals
						.map(
							([k, v]) =>
								`<tr><td colspan="2">${k}</td><td align="right">${escapeHtml(v)}</td></tr>`,
						)
						.join("")}</table>`,
					button(order, "View your order"),
				],
				text: [
					`Thank you for your order ${d.orderNumber}.`,
					"",
					...d.lines.map(
						(l) =>
							`${l.quantity} x ${l.name} (${l.sku})  ${formatMoney(l.lineTotal)}`,
					),
					"",
					...totals.map(([k, v]) => `${k}: ${v}`),
					"",
					`View your order: ${order}`,
				],
			};
		}
		case "shipping_update": {
			const d = message.data;
			const order = link(ctx, `/account/orders/${d.orderId}`);
			const status = {
				shipped: "has shipped",
				out_for_delivery: "is out for delivery",
				delivered: "was delivered",
			}[d.status];
			const tracking = [d.carrier, d.trackingNumber].filter(Boolean).join(" ");
			return {
				subject: `Order ${d.orderNumber} ${status}`,
				html: [
					p(
						`Your order <strong>${escapeHtml(d.orderNumber)}</strong> ${status}.`,
					),
					...(tracking ? [p(`Tracking: ${escapeHtml(tracking)}`)] : []),
					button(
						d.trackingUrl ?? order,
						d.trackingUrl ? "Track your parcel" : "View your order",
					),
				],
				text: [
					`Your order ${d.orderNumber} ${status}.`,
					...(tracking ? [`Tracking: ${tracking}`] : []),
					d.trackingUrl
						? `Track your parcel: ${d.trackingUrl}`
						: `View your order: ${order}`,
				],
			};
		}
		case "order_cancelled": {
			const d = message.data;
			return {
				subject: `Order ${d.orderNumber} cancelled`,
				html: [
					p(
						`Your order <strong>${escapeHtml(d.orderNumber)}</strong> was cancelled.`,
					),
					...(d.reason ? [p(`Reason: ${escapeHtml(d.reason)}`)] : []),
				],
				text: [
					`Your order ${d.orderNumber} was cancelled.`,
					...(d.reason ? [`Reason: ${d.reason}`] : []),
				],
			};
		}
		case "refund_issued": {
			const d = message.data;
			const amount = formatMoney(d.amount);
			return {
				subject: `Refund for order ${d.orderNumber}`,
				html: [
					p(
						`We refunded ${escapeHtml(amount)} for order <strong>${escapeHtml(d.orderNumber)}</strong>.`,
					),
				],
				text: [`We refunded ${amount} for order ${d.orderNumber}.`],
			};
		}
	}
}

export function renderEmail(
	message: EmailMessage,
	ctx: RenderContext,
): RenderedEmail {
	return layout(ctx, message.to.name, body(message, ctx));
}
