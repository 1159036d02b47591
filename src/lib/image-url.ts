/**
 * Where `wrangler dev` serves images when neither IMAGE_BASE_URL nor PUBLIC_API_URL is set
 * (never in production).
 */
export const LOCAL_IMAGE_BASE_URL = "http://localhost:8787/v1/images";

let base = LOCAL_IMAGE_BASE_URL;

/**
 * Set from the validated IMAGE_BASE_URL of the isolate's config (as the log level is), so every
 * response and every SQL statement that builds an image URL builds the same absolute one without
 * threading the setting through each service and query builder.
 */
export function setImageBaseUrl(url: string | undefined): void {
	base = url ?? LOCAL_IMAGE_BASE_URL;
}

/** The absolute URL of an image by its R2 key. */
export const imageUrl = (key: string): string => `${base}/${key}`;

/** The base (no trailing slash), for SQL that appends `/<key>` itself. */
export const imageBaseUrl = (): string => base;
