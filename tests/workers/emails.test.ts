import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { failedEmails, sentEmails } from "../../src/db/schema";
import worker from "../../src/index";
import {
	type EmailMessage,
	emailQueue,
} from "../../src/modules/emails/emails.messages";
import { SENDGRID_URL } from "../../src/modules/emails/providers";
import { PASSWORD, uniqueEmail, uniqueIp } from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, callWith, expectError, json } from "./helpers/http";
import { interceptOrigin } from "./helpers/network";
import { messageBatch } from "./helpers/queues";

const sendgridEnv = {
	...env,
	EMAIL_PROVIDER: "sendgrid",
	SENDGRID_API_KEY: "SG.test-key",
	EMAIL_REPLY_TO: "support@voidshop.test",
};
const devEnv = { ...env, ENVIRONMENT: "development", EMAIL_PROVIDER: "log" };

let restore: (() => void) | undefined;
afterEach(() => {
	restore?.();
	vi.restoreAllMocks();
});

/** SendGrid answers with `responses` in turn (the last one repeats); calls are recorded. */
function sendgrid(...responses: (() => Response)[]) {
	let i = 0;
	const intercept = interceptOrigin(new URL(SENDGRID_URL).origin, () => {
		const respond = responses[Math.min(i++, responses.length - 1)];
		if (!respond) throw new Error("no response configured");
		return respond();
	});
	restore = intercept.restore;
	return intercept.calls;
}
const accepted = () =>
	new Response(null, { status: 202, headers: { "X-Message-Id": "sg-123" } });

function welcome(name = "Ada Lovelace"): EmailMessage {
	const id = crypto.randomUUID();
	return {
		template: "welcome",
		idempotencyKey: `welcome:${id}`,
		to: { email: `ada-${id}@example.com`, name },
		data: {},
	};
}

async function consume(
	queue: string,
	bodies: unknown[],
	attempts = 1,
	testEnv: object = sendgridEnv,
) {
	vi.spyOn(console, "log").mockImplementation(() => {});
	vi.spyOn(console, "warn").mockImplementation(() => {});
	vi.spyOn(console, "error").mockImplementation(() => {});
	const { batch, delays } = messageBatch(queue, bodies, attempts);
	const ctx = createExecutionContext();
	await worker.queue(batch, testEnv as Env, ctx);
	return { ...(await getQueueResult(batch, ctx)), delays };
}

async function delivery(key: string) {
	const [row] = await testDb()
		.select()
		.from(sentEmails)
		.where(eq(sentEmails.idempotencyKey, key));
	return row;
}

async function failure(key: string) {
	const [row] = await testDb()
		.select()
		.from(failedEmails)
		.where(eq(failedEmails.idempotencyKey, key));
	return row;
}

describe("emails queue consumer", () => {
	it("sends through SendGrid and acks on success", async () => {
		const calls = sendgrid(accepted);
		const message = welcome();
		const result = await consume("voidshop-emails", [message]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toEqual([]);
		expect(calls).toHaveLength(1);
		const call = calls[0];
		expect(call?.url).toBe("https://api.sendgrid.com/v3/mail/send");
		expect(call?.method).toBe("POST");
		expect(call?.headers.get("Authorization")).toBe("Bearer SG.test-key");
		expect(call?.headers.get("Content-Type")).toBe("application/json");
		expect(JSON.parse(call?.body ?? "{}")).toMatchObject({
			personalizations: [
				{ to: [{ email: message.to.email, name: "Ada Lovelace" }] },
			],
			from: { email: "shop@voidshop.test", name: "VoidShop" },
			reply_to: { email: "support@voidshop.test" },
			subject: "Welcome to VoidShop",
			content: [
				{
					type: "text/plain",
					value: expect.stringContaining("Hi Ada Lovelace"),
				},
				{
					type: "text/html",
					value: expect.stringContaining("<!doctype html>"),
				},
			],
		});
		expect(await delivery(message.idempotencyKey)).toMatchObject({
			status: "sent",
			providerMessageId: "sg-123",
		});
	});

	it("retries a 500 with a delay that grows with each attempt", async () => {
		const calls = sendgrid(() => new Response("oops", { status: 500 }));
		const first = await consume("voidshop-emails", [welcome()], 1);
		const third = await consume("voidshop-emails", [welcome()], 3);
		expect(calls).toHaveLength(2);
		expect(first.explicitAcks).toEqual([]);
		expect(first.retryMessages).toHaveLength(1);
		expect(first.delays).toEqual([30]);
		expect(third.delays).toEqual([120]);
	});

	it("retries a network error and honours a 429's Retry-After", async () => {
		sendgrid(() => {
			throw new TypeError("connection reset");
		});
		const network = await consume("voidshop-emails", [welcome()]);
		expect(network.retryMessages).toHaveLength(1);
		expect(network.delays).toEqual([30]);
		restore?.();
		sendgrid(
			() =>
				new Response("slow down", {
					status: 429,
					headers: { "Retry-After": "600" },
				}),
		);
		const limited = await consume("voidshop-emails", [welcome()]);
		expect(limited.delays).toEqual([600]);
	});

	it("acks a 400 without retrying and records a permanent failure", async () => {
		sendgrid(
			() => new Response('{"errors":[{"message":"bad to"}]}', { status: 400 }),
		);
		const message = welcome();
		const result = await consume("voidshop-emails", [message]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toEqual([]);
		expect(await failure(message.idempotencyKey)).toMatchObject({
			reason: "rejected",
			lastError: expect.stringContaining("HTTP 400"),
			template: "welcome",
		});
	});

	it("sends a redelivered or duplicated message once", async () => {
		const calls = sendgrid(accepted);
		const message = welcome();
		const together = await consume("voidshop-emails", [message, message]);
		const again = await consume("voidshop-emails", [message]);
		expect(calls).toHaveLength(1);
		// Each message of the batch is settled exactly once: never both acked and retried.
		const settled = [
			...together.explicitAcks,
			...together.retryMessages.map((r) => r.msgId),
		];
		expect(settled).toHaveLength(2);
		expect(new Set(settled).size).toBe(2);
		// The duplicate that lost the claim saw it either in flight (rechecked after the in-flight
		// delay, not an error backoff) or already sent (acked): which one is a race on real PostgreSQL.
		// getQueueResult leaves retry delays out; messageBatch records them in `delays`.
		expect(together.delays).toEqual(together.retryMessages.map(() => 60));
		expect(again.explicitAcks).toHaveLength(1);
	});

	it("sends after a failed attempt once the provider recovers", async () => {
		const calls = sendgrid(
			() => new Response("down", { status: 503 }),
			accepted,
		);
		const message = welcome();
		await consume("voidshop-emails", [message], 1);
		expect(await delivery(message.idempotencyKey)).toMatchObject({
			status: "failed",
			lastError: expect.stringContaining("503"),
		});
		const retry = await consume("voidshop-emails", [message], 2);
		expect(retry.explicitAcks).toHaveLength(1);
		expect(calls).toHaveLength(2);
		expect(await delivery(message.idempotencyKey)).toMatchObject({
			status: "sent",
			attempts: 2,
			lastError: null,
		});
	});

	it("acks and drops a message whose body is invalid", async () => {
		const calls = sendgrid(accepted);
		const result = await consume("voidshop-emails", [
			{ template: "welcome", to: "nobody" },
			"not even an object",
		]);
		expect(result.explicitAcks).toHaveLength(2);
		expect(calls).toHaveLength(0);
	});

	it("escapes user data in HTML and keeps it readable in text", async () => {
		const calls = sendgrid(accepted);
		await consume("voidshop-emails", [
			welcome('Eve <script>alert("x")</script>'),
		]);
		const [text, html] = JSON.parse(calls[0]?.body ?? "{}").content as {
			value: string;
		}[];
		expect(html?.value).toContain(
			"Eve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
		);
		expect(html?.value).not.toContain("<script>");
		expect(text?.value).toContain('Hi Eve <script>alert("x")</script>,');
	});
});

describe("emails dead-letter consumer", () => {
	it("records a dead-lettered message in failed_emails with the last error", async () => {
		sendgrid(() => new Response("still down", { status: 502 }));
		const message = welcome();
		await consume("voidshop-emails", [message], 5);
		const result = await consume("voidshop-emails-dlq", [message], 1);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await failure(message.idempotencyKey)).toMatchObject({
			reason: "dead_letter",
			recipient: message.to.email,
			lastError: expect.stringContaining("HTTP 502"),
			attempts: 5,
			payload: message,
		});
	});
});

describe("failed reset emails", () => {
	it("never keep the reset token in clear", async () => {
		sendgrid(() => new Response("bad request", { status: 400 }));
		const id = crypto.randomUUID();
		const reset: EmailMessage = {
			template: "password_reset",
			idempotencyKey: `password_reset:${id}`,
			to: { email: `r-${id}@example.com`, name: "R" },
			data: { token: `secret_${id}`, expiresAt: new Date().toISOString() },
		};
		await consume("voidshop-emails", [reset]);
		await consume("voidshop-emails-dlq", [reset]);
		const row = await failure(reset.idempotencyKey);
		expect(row?.reason).toBe("dead_letter");
		expect(JSON.stringify(row?.payload)).not.toContain("secret_");
		expect(row?.payload).toMatchObject({ data: { token: "[redacted]" } });
	});
});

describe("emailQueue().send", () => {
	it("refuses an invalid message before it reaches the queue", async () => {
		const send = vi.spyOn(env.EMAIL_QUEUE, "send");
		const bad = { ...welcome(), to: { email: "not-an-email", name: "X" } };
		await expect(emailQueue(env.EMAIL_QUEUE).send(bad)).rejects.toThrow();
		expect(send).not.toHaveBeenCalled();
	});
});

describe("GET /v1/dev/emails", () => {
	it("shows emails sent by the log provider in development, reset link included", async () => {
		const id = crypto.randomUUID();
		const to = `reset-${id}@example.com`;
		const reset: EmailMessage = {
			template: "password_reset",
			idempotencyKey: `password_reset:${id}`,
			to: { email: to, name: "Grace" },
			data: {
				token: `tok_${id}`,
				expiresAt: new Date(Date.now() + 3600_000).toISOString(),
			},
		};
		await consume("voidshop-emails", [reset], 1, devEnv);
		const res = await callWith(
			devEnv,
			`/v1/dev/emails?to=${encodeURIComponent(to)}`,
		);
		expect(res.status).toBe(200);
		const { data, nextCursor } = (await res.json()) as {
			data: { subject: string; text: string }[];
			nextCursor: null;
		};
		expect(nextCursor).toBeNull(); // the whole mailbox at once: no next page
		expect(data).toEqual([
			expect.objectContaining({ subject: "Reset your password" }),
		]);
		expect(data[0]?.text).toContain(
			`http://localhost:3000/reset-password?token=tok_${id}`,
		);
	});

	it("does not exist outside development", async () => {
		const res = await callWith(env, "/v1/dev/emails");
		await expectError(res, 404, "NOT_FOUND");
	});
});

describe("registration to inbox, end to end", () => {
	it("delivers the welcome email of a new account through the real queue into the dev mailbox", async () => {
		const email = uniqueEmail("welcome");
		const registered = await call(
			"/v1/auth/register",
			json(
				{ email, password: PASSWORD, name: "Queue Tester" },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		expect(registered.status).toBe(201);
		// No stubs: the Worker's queue() consumer receives the batch from the local queue.
		const mailbox = () =>
			callWith(devEnv, `/v1/dev/emails?to=${encodeURIComponent(email)}`);
		let data: { template: string; subject: string }[] = [];
		for (let i = 0; i < 40 && data.length === 0; i++) {
			await new Promise((r) => setTimeout(r, 250));
			data = ((await (await mailbox()).json()) as { data: typeof data }).data;
		}
		expect(data).toEqual([
			expect.objectContaining({
				template: "welcome",
				subject: "Welcome to VoidShop",
			}),
		]);
	});
});
