import { z } from "@hono/zod-openapi";
import type { PublicUser } from "./auth.service";

/** Trimmed; compared case-insensitively by the database (unique index on lower(email)). */
const emailField = z
	.string()
	.trim()
	.max(254)
	.pipe(z.email())
	.openapi({ example: "ada@example.com" });

/** NIST 800-63B: length only (8–128), no composition rules; common passwords are refused later. */
const newPasswordField = z
	.string()
	.min(8, "must be at least 8 characters")
	.max(128, "must be at most 128 characters")
	.openapi({ example: "correct horse battery staple" });

/** Checked, never policed: an old password may predate today's policy. */
const existingPasswordField = z.string().min(1).max(128);

export const nameField = z.string().trim().min(1).max(200);

const refreshTokenDelivery = z
	.enum(["cookie", "body"])
	.default("cookie")
	.openapi({
		description:
			"`cookie` (browsers, default): the refresh token is set as an HttpOnly cookie and never appears in the body. `body` (native clients): it is returned as `refreshToken` and no cookie is set.",
	});

export const registerBody = z.strictObject({
	email: emailField,
	password: newPasswordField,
	name: nameField,
	refreshTokenDelivery,
});

export const loginBody = z.strictObject({
	email: emailField,
	password: existingPasswordField,
	refreshTokenDelivery,
});

/** Empty for browsers (the cookie carries the token); native clients send the token here. */
export const refreshBody = z.strictObject({
	refreshToken: z.string().min(1).max(200).optional(),
});

export const forgotBody = z.strictObject({ email: emailField });

export const resetBody = z.strictObject({
	token: z.string().min(1).max(200),
	password: newPasswordField,
});

export const changePasswordBody = z.strictObject({
	currentPassword: existingPasswordField,
	newPassword: newPasswordField,
});

export const userSchema = z
	.object({
		id: z.uuid(),
		email: z.string(),
		name: z.string(),
		role: z.enum(["customer", "admin"]),
		createdAt: z.iso.datetime(),
	})
	.openapi("User");

export const toUserJson = (user: PublicUser): z.infer<typeof userSchema> => ({
	...user,
	createdAt: user.createdAt.toISOString(),
});

export const tokensSchema = z.object({
	accessToken: z.string(),
	/** Seconds until the access token expires. */
	expiresIn: z.number().int(),
	refreshToken: z
		.string()
		.optional()
		.openapi({ description: "Only when the client asked for body delivery" }),
});

export const sessionSchema = tokensSchema
	.extend({ user: userSchema })
	.openapi("Session");
