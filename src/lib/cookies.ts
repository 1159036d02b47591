/**
 * Options for the API's credential cookies (refresh token, guest cart token): unreadable by page
 * scripts, HTTPS only, and SameSite=Strict, so no cross-site request ever carries one (the
 * cookie-authenticated writes need no CSRF token beyond the Origin check). `path` scopes each
 * cookie to the routes that read it.
 */
export function credentialCookie(path: string) {
	return { httpOnly: true, secure: true, sameSite: "Strict", path } as const;
}
