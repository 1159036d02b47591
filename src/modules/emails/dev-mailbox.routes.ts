import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../lib/errors";
import { completeList, errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { devMailbox } from "./providers";

/** The dev mailbox exists only in development; anywhere else it is an unknown route. */
const developmentOnly = createMiddleware<AppEnv>(async (c, next) => {
	if (c.var.services.config.ENVIRONMENT !== "development")
		throw new ApiError(
			"NOT_FOUND",
			`No route for ${c.req.method} ${c.req.path}`,
		);
	await next();
});

const mailboxEntry = z.object({
	to: z.object({ email: z.string(), name: z.string() }),
	template: z.string(),
	idempotencyKey: z.string(),
	subject: z.string(),
	text: z.string(),
	html: z.string(),
	sentAt: z.iso.datetime(),
});

export const devMailboxRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/emails",
		tags: ["development"],
		summary:
			"Development mailbox: the last 50 emails of the `log` provider, newest first",
		middleware: [developmentOnly] as const,
		request: { query: z.object({ to: z.email().optional() }) },
		responses: {
			200: jsonContent(completeList(mailboxEntry), "emails"),
			...errorResponses("VALIDATION_FAILED", "NOT_FOUND"),
		},
	}),
	(c) => {
		const { to } = c.req.valid("query");
		const data = devMailbox().filter(
			(m) => !to || m.to.email.toLowerCase() === to.toLowerCase(),
		);
		c.header("Cache-Control", "no-store");
		return c.json({ data, nextCursor: null }, 200);
	},
);
