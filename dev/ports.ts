/** Small helpers shared by the local stand-in servers: binding ports and answering JSON. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export interface ListenTarget {
	host: string;
	/** 0 picks a free port. */
	port: number;
	/** Human name for errors, e.g. "neon proxy". */
	label: string;
	/** Environment variable that overrides the port, named in the error so the fix is obvious. */
	envVar: string;
}

/** Starts listening and resolves with the bound port; a taken fixed port becomes a readable error. */
export function listen(
	server: Server,
	{ host, port, label, envVar }: ListenTarget,
): Promise<number> {
	return new Promise((resolve, reject) => {
		const onError = (err: NodeJS.ErrnoException) => {
			if (err.code === "EADDRINUSE") {
				reject(
					new Error(
						`port ${port} is already in use (${label}); set ${envVar} to a free port, or 0 for a random one`,
						{ cause: err },
					),
				);
			} else {
				reject(err);
			}
		};
		server.once("error", onError);
		server.listen(port, host, () => {
			server.off("error", onError);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

type Vars = Record<string, string | undefined>;

/**
 * A local port: the variable `name` when set (0 picks a free port), else the port of
 * `fallbackUrl` (a URL from .dev.vars), else `fallback`. The one resolver behind `npm run dev`,
 * `npm run stack`, the Stripe stand-in and the scripts (db:migrate, seed, admin:create).
 */
export function portFrom(
	name: string,
	fallback: number,
	fallbackUrl?: string,
	env: Vars = process.env,
): number {
	const raw =
		env[name] || (fallbackUrl ? new URL(fallbackUrl).port : undefined) || "";
	if (raw === "") return fallback;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		throw new Error(`${name} must be a port number, got "${raw}"`);
	return port;
}

/** The local stack's ports as `npm run dev` binds them (environment first, then .dev.vars). */
export function localPorts(vars: Vars, env: Vars = process.env) {
	return {
		worker: portFrom("PORT", 8787, undefined, env),
		neonProxy: portFrom(
			"NEON_PROXY_PORT",
			8788,
			env.NEON_LOCAL_FETCH_ENDPOINT || vars.NEON_LOCAL_FETCH_ENDPOINT,
			env,
		),
		upstash: portFrom("UPSTASH_PORT", 8789, vars.UPSTASH_REDIS_REST_URL, env),
		stripe: portFrom("STRIPE_STANDIN_PORT", 8790, vars.STRIPE_LOCAL_URL, env),
		postgres: portFrom("EMBEDDED_POSTGRES_PORT", 8791, undefined, env),
	};
}

/** host:port as it must appear in a URL authority (IPv6 literals need brackets). */
export function authority(host: string, port: number): string {
	return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Closes an http server, dropping idle keep-alive sockets so close() does not hang. */
export function closeServer(server: Server): Promise<void> {
	return new Promise((resolve, reject) => {
		server.close((err) => (err ? reject(err) : resolve()));
		server.closeAllConnections();
	});
}

/** Reads a request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
	});
	res.end(text);
}

/**
 * For a stand-in run from the command line (`tsx dev/x.ts`): runs `main`, then on Ctrl-C or
 * SIGTERM closes what it started and exits. A failure to start prints its message and exits 1.
 */
export function runFromCli(
	moduleUrl: string,
	main: () => Promise<{ close(): Promise<void> }>,
): void {
	if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
	main().then(
		(running) => {
			const stop = () => {
				running.close().then(
					() => process.exit(0),
					(err: unknown) => {
						console.error(err);
						process.exit(1);
					},
				);
			};
			process.once("SIGINT", stop);
			process.once("SIGTERM", stop);
		},
		(err: unknown) => {
			console.error(err instanceof Error ? err.message : err);
			process.exit(1);
		},
	);
}
