import type { Config } from "../../env";
import { deadlineSignal } from "../../lib/deadline";
import { log } from "../../lib/log";
import type { RenderedEmail } from "./templates";

export interface OutgoingEmail extends RenderedEmail {
	to: { email: string; name: string };
	idempotencyKey: string;
	template: string;
}

/** What the consumer needs to know: delivered, worth retrying, or never going to work. */
export type SendResult =
	| { ok: true; providerMessageId?: string }
	| {
			ok: false;
			retryable: boolean;
			error: string;
			retryAfterSeconds?: number;
	  };

export interface EmailProvider {
	send(email: OutgoingEmail): Promise<SendResult>;
}

export const SENDGRID_URL = "https://api.sendgrid.com/v3/mail/send";

/** SendGrid v3 Mail Send over fetch: 202 is success; 429 and 5xx are transient; other 4xx are permanent. */
function sendgrid(config: Config, apiKey: string): EmailProvider {
	return {
		async send(email) {
			const body = {
				personalizations: [
					{ to: [{ email: email.to.email, name: email.to.name }] },
				],
				from: {
					email: config.EMAIL_FROM_ADDRESS,
					name: config.EMAIL_FROM_NAME,
				},
				...(config.EMAIL_REPLY_TO
					? { reply_to: { email: config.EMAIL_REPLY_TO } }
					: {}),
				subject: email.subject,
				content: [
					{ type: "text/plain", value: email.text },
					{ type: "text/html", value: email.html },
				],
				custom_args: {
					idempotency_key: email.idempotencyKey,
					template: email.template,
				},
			};
			let res: Response;
			try {
				res = await fetch(SENDGRID_URL, {
					method: "POST",
					headers: {
						Authorization: `Bearer ${apiKey}`,
						"Content-Type": "application/json",
					},
					body: JSON.stringify(body),
					signal: deadlineSignal(config.EMAIL_TIMEOUT_MS),
				});
			} catch (err) {
				return {
					ok: false,
					retryable: true,
					error: `network error: ${err instanceof Error ? err.message : String(err)}`,
				};
			}
			if (res.ok)
				return {
					ok: true,
					providerMessageId: res.headers.get("X-Message-Id") ?? undefined,
				};
			const detail = (await res.text().catch(() => "")).slice(0, 500);
			const retryAfter = Number(res.headers.get("Retry-After"));
			return {
				ok: false,
				retryable: res.status === 429 || res.status >= 500,
				error: `SendGrid HTTP ${res.status}: ${detail}`,
				...(Number.isFinite(retryAfter) && retryAfter > 0
					? { retryAfterSeconds: retryAfter }
					: {}),
			};
		},
	};
}

interface MailboxEntry extends OutgoingEmail {
	sentAt: string;
}

const MAILBOX_SIZE = 50;
const mailbox: MailboxEntry[] = [];

/** The development mailbox: the last 50 emails the `log` provider "sent", newest first (in memory). */
export function devMailbox(): readonly MailboxEntry[] {
	return mailbox;
}

/** Development provider: one log line (no body: it may hold a reset token) and the dev mailbox. */
const logProvider: EmailProvider = {
	async send(email) {
		mailbox.unshift({ ...email, sentAt: new Date().toISOString() });
		mailbox.length = Math.min(mailbox.length, MAILBOX_SIZE);
		log("info", "email (log provider)", {
			to: email.to.email,
			template: email.template,
			subject: email.subject,
		});
		return { ok: true };
	},
};

export function emailProvider(config: Config): EmailProvider {
	if (config.EMAIL_PROVIDER === "log") return logProvider;
	// Config validation guarantees the key is present for sendgrid.
	return sendgrid(config, config.SENDGRID_API_KEY ?? "");
}
