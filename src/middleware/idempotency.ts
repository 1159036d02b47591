import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { validationFailed } from "../lib/errors";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/**
 * Reads an optional `Idempotency-Key` (1-255 printable ASCII characters; the draft's quoted
 * sf-string form `"…"` is accepted too) into `c.var.idempotencyKey`; a malformed one is 400.
 * The service claims it in its own batches (lib/idempotency.ts), so it costs no extra round trip.
 */
export const idempotencyKey = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const raw = c.req.header(IDEMPOTENCY_KEY_HEADER);
		if (raw !== undefined) {
			const key = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
			if (!/^[\x21-\x7e]{1,255}$/.test(key))
				throw validationFailed(
					`${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters`,
					{
						path: IDEMPOTENCY_KEY_HEADER,
						message: "must be 1 to 255 printable ASCII characters",
						code: "invalid_format",
					},
				);
			c.set("idempotencyKey", key);
		}
		await next();
	});
