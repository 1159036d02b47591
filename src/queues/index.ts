import { log } from "../lib/log";
import {
	consumeDeadEmails,
	consumeEmails,
} from "../modules/emails/emails.consumer";
import {
	consumeDeadStripeEvents,
	consumeStripeEvents,
} from "../modules/payments/stripe-events.consumer";
import type { Services } from "../services";

type QueueConsumer = (batch: MessageBatch, services: Services) => Promise<void>;

/**
 * Consumers by queue name (names as in wrangler.toml). Modules register theirs here; every
 * consumer must be idempotent because delivery is at-least-once.
 */
const consumers: Record<string, QueueConsumer> = {
	"voidshop-emails": consumeEmails,
	"voidshop-emails-dlq": consumeDeadEmails,
	"voidshop-stripe-events": consumeStripeEvents,
	"voidshop-stripe-events-dlq": consumeDeadStripeEvents,
};

/** Batches for a queue nobody consumes are retried (not acked) so no message is lost silently. */
export async function handleQueue(
	batch: MessageBatch,
	services: Services,
): Promise<void> {
	const consumer = consumers[batch.queue];
	if (!consumer) {
		log("error", "no consumer for queue", {
			queue: batch.queue,
			messages: batch.messages.length,
		});
		batch.retryAll({ delaySeconds: 60 });
		return;
	}
	await consumer(batch, services);
}
