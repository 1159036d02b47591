/**
 * A local stand-in for Neon's proxy: SQL over HTTP (`POST /sql`, used by `neon()` and
 * drizzle-orm/neon-http) and the WebSocket relay (`/v2`, used by `Pool`/`Client`), in front of a
 * real PostgreSQL (the embedded one or an existing server). Wire details: dev/README.md.
 */
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import { WebSocketServer } from "ws";
import {
	type BatchMode,
	createPostgresBackend,
	isPgError,
	type SqlBackend,
	type SqlQuery,
	type SqlResult,
	type SqlValue,
} from "./pg-backend";
import { authority, closeServer, listen, readBody, sendJson } from "./ports";

export interface NeonProxyOptions {
	/** The PostgreSQL database every query and relay session goes to. */
	databaseUrl: string;
	host: string;
	port: number;
	log: (line: string) => void;
}
export interface NeonProxy {
	httpUrl: string;
	wsProxy: string;
	/** A DATABASE_URL the backend accepts (the proxy ignores its host). */
	connectionString: string;
	close(): Promise<void>;
}

/** A client mistake (bad body, bad header): answered 400 with `code: null`, never logged as a fault. */
class RequestError extends Error {}

const ISOLATION = new Map<string, BatchMode["isolation"]>([
	["ReadUncommitted", "READ UNCOMMITTED"],
	["ReadCommitted", "READ COMMITTED"],
	["RepeatableRead", "REPEATABLE READ"],
	["Serializable", "SERIALIZABLE"],
]);

const ERROR_FIELDS = [
	"code",
	"detail",
	"hint",
	"position",
	"internalPosition",
	"internalQuery",
	"severity",
	"where",
	"table",
	"column",
	"schema",
	"dataType",
	"constraint",
	"file",
	"line",
	"routine",
] as const;

export async function startNeonProxy(
	opts: NeonProxyOptions,
): Promise<NeonProxy> {
	// The port is bound before the backend connects so a taken port fails fast; until the
	// backend is up, requests get 503.
	let backend: SqlBackend | undefined;
	const wss = new WebSocketServer({ noServer: true });
	const server = createServer((req, res) => {
		if (!backend)
			return sendJson(res, 503, { message: "neon proxy is starting" });
		handleHttp(req, res, backend, opts.log).catch((err: unknown) => {
			opts.log(`neon proxy: ${String(err)}`);
			if (!res.headersSent) sendJson(res, 500, errorBody(err));
		});
	});
	server.on("upgrade", (req, socket, head) => {
		const relay = backend?.relay;
		// The driver appends ?address=host:port; the target is ours to choose, so only the path matters.
		if (!relay || new URL(req.url ?? "/", "http://x").pathname !== "/v2") {
			socket.destroy();
			return;
		}
		wss.handleUpgrade(req, socket, head, (ws) => relay.open(ws));
	});
	const port = await listen(server, {
		host: opts.host,
		port: opts.port,
		label: "neon proxy",
		envVar: "NEON_PROXY_PORT",
	});
	try {
		backend = await createPostgresBackend(opts.databaseUrl, opts.log);
	} catch (err) {
		await closeServer(server);
		throw err;
	}
	const ready = backend;
	const addr = authority(opts.host, port);
	return {
		httpUrl: `http://${addr}`,
		wsProxy: `${addr}/v2`,
		connectionString: opts.databaseUrl,
		async close() {
			for (const ws of wss.clients) ws.terminate();
			await ready.relay.drain();
			await closeServer(server);
			wss.close();
			await ready.close();
		},
	};
}

async function handleHttp(
	req: IncomingMessage,
	res: ServerResponse,
	backend: SqlBackend,
	log: (line: string) => void,
) {
	const path = new URL(req.url ?? "/", "http://x").pathname;
	if (req.method === "GET" && path === "/health")
		return sendJson(res, 200, { ok: true });
	if (req.method !== "POST" || path !== "/sql")
		return sendJson(res, 404, {
			message: `no route for ${req.method} ${path}`,
		});
	let results: SqlResult[];
	let batch: boolean;
	try {
		// fetch() sends the body as text/plain, so the Content-Type says nothing useful.
		const parsed = parseBody(await readBody(req), req.headers);
		batch = parsed.batch !== null;
		results = await backend.execute(parsed.queries, parsed.batch);
	} catch (err) {
		if (!isPgError(err) && !(err instanceof RequestError))
			log(`neon proxy: ${String(err)}`);
		return sendJson(res, 400, errorBody(err));
	}
	const arrayMode = req.headers["neon-array-mode"] === "true";
	const shaped = results.map((r) => shapeResult(r, arrayMode));
	sendJson(res, 200, batch ? { results: shaped } : shaped[0]);
}

function parseBody(
	text: string,
	headers: IncomingHttpHeaders,
): { queries: SqlQuery[]; batch: BatchMode | null } {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new RequestError("request body is not valid JSON");
	}
	if (isRecord(body) && Array.isArray(body.queries)) {
		const level = headerValue(headers, "neon-batch-isolation-level");
		const isolation = level === null ? null : ISOLATION.get(level);
		if (isolation === undefined)
			throw new RequestError(
				`unsupported Neon-Batch-Isolation-Level: ${level}`,
			);
		return {
			queries: body.queries.map(toQuery),
			batch: {
				isolation,
				readOnly: headerValue(headers, "neon-batch-read-only") === "true",
				deferrable: headerValue(headers, "neon-batch-deferrable") === "true",
			},
		};
	}
	return { queries: [toQuery(body)], batch: null };
}

function toQuery(value: unknown): SqlQuery {
	if (!isRecord(value) || typeof value.query !== "string") {
		throw new RequestError(
			'expected {"query": string, "params": [...]} or {"queries": [...]}',
		);
	}
	const params = value.params ?? [];
	if (!Array.isArray(params)) throw new RequestError("params must be an array");
	// The driver serialises every parameter to text already; anything else is coerced the same way.
	const text = params.map((p: unknown): SqlValue => {
		if (p === null || p === undefined) return null;
		return typeof p === "object" ? JSON.stringify(p) : String(p);
	});
	return { query: value.query, params: text };
}

function shapeResult(r: SqlResult, arrayMode: boolean) {
	const rows = arrayMode
		? r.rows
		: r.rows.map((row) =>
				Object.fromEntries(r.fields.map((f, i) => [f.name, row[i] ?? null])),
			);
	return {
		fields: r.fields,
		rows,
		command: r.command,
		rowCount: r.rowCount,
		rowAsArray: arrayMode,
	};
}

/** Neon's 400 body: every field present (null when absent) so the driver copies them all. */
function errorBody(err: unknown): Record<string, string | null> {
	const body: Record<string, string | null> = {
		message: err instanceof Error ? err.message : String(err),
	};
	for (const key of ERROR_FIELDS) {
		const value = isPgError(err)
			? (err as unknown as Record<string, unknown>)[key]
			: undefined;
		body[key] = value === undefined || value === null ? null : String(value);
	}
	return body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function headerValue(
	headers: IncomingHttpHeaders,
	name: string,
): string | null {
	const value = headers[name];
	return typeof value === "string" ? value : null;
}
