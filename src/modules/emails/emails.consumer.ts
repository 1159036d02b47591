import type { Db } from "../../db/client";
import { log } from "../../lib/log";
import type { Services } from "../../services";
import { type EmailMessage, emailMessageSchema } from "./emails.messages";
import {
	claimEmail,
	markEmailFailed,
	markEmailSent,
	recordFailedEmail,
} from "./emails.service";
import { type EmailProvider, emailProvider } from "./providers";
import { type RenderContext, renderEmail } from "./templates";

const BASE_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 60 * 60;
/** Cloudflare Queues' longest allowed retry delay. */
const QUEUE_MAX_DELAY_SECONDS = 12 * 60 * 60;
const IN_FLIGHT_RECHECK_SECONDS = 60;

/** Exponential backoff on the delivery attempt (1-based), or the provider's Retry-After if longer. */
export function retryDelaySeconds(
	attempts: number,
	retryAfterSeconds?: number,
): number {
	const exponential = Math.min(
		MAX_DELAY_SECONDS,
		BASE_DELAY_SECONDS * 2 ** Math.max(0, attempts - 1),
	);
	return Math.min(
		QUEUE_MAX_DELAY_SECONDS,
		Math.max(exponential, Math.ceil(retryAfterSeconds ?? 0)),
	);
}

/** What may be kept of a message: a reset token is a credential and never stored in clear. */
function storable(email: EmailMessage): EmailMessage {
	return email.template === "password_reset"
		? { ...email, data: { ...email.data, token: "[redacted]" } }
		: email;
}

interface Deps {
	db: Db;
	provider: EmailProvider;
	render: RenderContext;
}

async function deliver(message: Message, deps: Deps): Promise<void> {
	const parsed = emailMessageSchema.safeParse(message.body);
	if (!parsed.success) {
		// A poison message would fail the same way forever: drop it loudly instead of looping.
		log("error", "invalid email message dropped", {
			messageId: message.id,
			issues: parsed.error.issues.slice(0, 5),
		});
		message.ack();
		return;
	}
	const email = parsed.data;
	const { idempotencyKey, template } = email;
	const claim = await claimEmail(deps.db, {
		idempotencyKey,
		template,
		recipient: email.to.email,
		attempts: message.attempts,
	});
	if (claim === "already_sent") {
		log("info", "duplicate email skipped", { idempotencyKey });
		message.ack();
		return;
	}
	if (claim === "in_flight") {
		message.retry({ delaySeconds: IN_FLIGHT_RECHECK_SECONDS });
		return;
	}
	const result = await deps.provider.send({
		...renderEmail(email, deps.render),
		to: email.to,
		idempotencyKey,
		template,
	});
	if (result.ok) {
		await markEmailSent(deps.db, idempotencyKey, result.providerMessageId);
		message.ack();
		return;
	}
	await markEmailFailed(deps.db, idempotencyKey, result.error);
	if (result.retryable) {
		const delaySeconds = retryDelaySeconds(
			message.attempts,
			result.retryAfterSeconds,
		);
		log("warn", "email send failed, retrying", {
			idempotencyKey,
			attempts: message.attempts,
			delaySeconds,
			error: result.error,
		});
		message.retry({ delaySeconds });
		return;
	}
	log("error", "email rejected permanently", {
		idempotencyKey,
		error: result.error,
	});
	await recordFailedEmail(deps.db, {
		idempotencyKey,
		template,
		recipient: email.to.email,
		payload: storable(email),
		reason: "rejected",
		error: result.error,
		attempts: message.attempts,
	});
	message.ack();
}

function deps({ db, config }: Services): Deps {
	return {
		db,
		provider: emailProvider(config),
		render: {
			storefrontUrl: config.STOREFRONT_URL,
			brand: config.EMAIL_FROM_NAME,
		},
	};
}

/** Handles one failing message without affecting the others of the batch. */
async function each(
	batch: MessageBatch,
	handle: (m: Message) => Promise<void>,
): Promise<void> {
	await Promise.all(
		batch.messages.map(async (message) => {
			try {
				await handle(message);
			} catch (err) {
				log("error", "email consumer error", {
					queue: batch.queue,
					messageId: message.id,
					error: String(err),
				});
				message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
			}
		}),
	);
}

/** Consumer of the `emails` queue: render, send once per idempotency key, retry transient failures. */
export async function consumeEmails(
	batch: MessageBatch,
	services: Services,
): Promise<void> {
	const d = deps(services);
	await each(batch, (message) => deliver(message, d));
	log("info", "email batch done", {
		messages: batch.messages.length,
		dbRoundTrips: services.meter.roundTrips,
	});
}

/** Consumer of the emails dead-letter queue: records each message in `failed_emails` with its last error. */
export async function consumeDeadEmails(
	batch: MessageBatch,
	{ db }: Services,
): Promise<void> {
	await each(batch, async (message) => {
		const parsed = emailMessageSchema.safeParse(message.body);
		const email = parsed.success ? parsed.data : undefined;
		await recordFailedEmail(db, {
			idempotencyKey: email?.idempotencyKey ?? `invalid:${message.id}`,
			template: email?.template ?? "invalid",
			recipient: email?.to.email ?? "",
			payload: email ? storable(email) : (message.body ?? {}),
			reason: "dead_letter",
			attempts: message.attempts,
		});
		log("error", "email dead-lettered", {
			idempotencyKey: email?.idempotencyKey,
			messageId: message.id,
		});
		message.ack();
	});
}
