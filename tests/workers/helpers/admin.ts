import { bearer, signToken } from "./auth";
import { call, json } from "./http";

/** A fresh admin: its id (the token's subject, as timelines record it) and headers. */
export async function newAdmin() {
	const id = crypto.randomUUID();
	return { id, headers: bearer(await signToken({ role: "admin", sub: id })) };
}

type Admin = Awaited<ReturnType<typeof newAdmin>>;

/** POSTs a JSON body to an admin order endpoint. */
export function adminPost(
	who: Admin,
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return call(path, json(body, { headers: { ...who.headers, ...headers } }));
}

export function adminGet(who: Admin, path: string): Promise<Response> {
	return call(path, { headers: who.headers });
}
