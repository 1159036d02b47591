import {
	createExecutionContext,
	createMessageBatch,
	getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";

describe("queue dispatch", () => {
	it("retries (never acks) a batch from a queue nobody consumes", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const batch = createMessageBatch("voidshop-unknown", [
			{ id: "m1", timestamp: new Date(), attempts: 1, body: {} },
		]);
		const ctx = createExecutionContext();
		await worker.queue(batch, env, ctx);
		const result = await getQueueResult(batch, ctx);
		expect(result.retryBatch.retry).toBe(true);
		expect(result.explicitAcks).toEqual([]);
	});
});
