import { createMessageBatch } from "cloudflare:test";

/**
 * A queue batch of `bodies` (each delivered `attempts` times so far), and the retry delays its
 * consumer asks for: getQueueResult does not report per-message delays, so they are recorded here.
 */
export function messageBatch(queue: string, bodies: unknown[], attempts = 1) {
	const batch = createMessageBatch(
		queue,
		bodies.map((body, i) => ({
			id: `msg-${i}-${crypto.randomUUID()}`,
			timestamp: new Date(),
			attempts,
			body,
		})),
	);
	const delays: (number | undefined)[] = [];
	for (const message of batch.messages) {
		const retry = message.retry.bind(message);
		message.retry = (options) => {
			delays.push(options?.delaySeconds);
			retry(options);
		};
	}
	return { batch, delays };
}
