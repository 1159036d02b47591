/**
 * A local stand-in for Upstash Redis REST (`POST /`, `/pipeline`, `/multi-exec`) in front of a
 * real Redis (ioredis) or an in-process ioredis-mock. Wire details: dev/README.md.
 */
import { createHash } from "node:crypto";
import {
	createServer,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import Redis from "ioredis";
import { createMemoryRedis } from "./memory-redis";
import { authority, closeServer, listen, readBody, sendJson } from "./ports";

export interface UpstashBridgeOptions {
	/** Real Redis; absent means an in-process store. */
	redisUrl?: string;
	token: string;
	host: string;
	port: number;
	log: (line: string) => void;
}
export interface UpstashBridge {
	url: string;
	backend: "memory" | "redis";
	close(): Promise<void>;
}

type Reply = string | number | null | Reply[];
type Outcome = { result: Reply } | { error: string };

export interface RedisBackend {
	kind: "memory" | "redis";
	command(args: string[]): Promise<unknown>;
	/** All-or-nothing: throws when the transaction is discarded (e.g. EXECABORT). */
	transaction(commands: string[][]): Promise<[Error | null, unknown][]>;
	close(): Promise<void>;
}

/** Commands that would hijack the shared connection; Upstash's REST API refuses them too. */
const REFUSED = new Set([
	"subscribe",
	"psubscribe",
	"ssubscribe",
	"monitor",
	"multi",
	"exec",
	"discard",
	"watch",
	"quit",
	"select",
]);

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/**
 * @upstash/ratelimit scripts start with `#!lua flags=allow-key-locking`, a flag only Upstash knows
 * (Redis 7 rejects it, ioredis-mock cannot parse shebangs). The line is blanked rather than removed
 * so line numbers in Lua errors still match, and the caller's SHA (of the original text) is mapped
 * to the stripped script so a later EVALSHA finds it.
 */
class ScriptRewriter {
	readonly #scripts = new Map<string, string>();

	#remember(script: string): string {
		const stripped = script.startsWith("#!lua")
			? script.replace(/^#![^\n]*/, "")
			: script;
		this.#scripts.set(sha1(script), stripped);
		return stripped;
	}

	/** The command to send, plus a reply override where the caller expects its own SHA back. */
	rewrite(args: string[]): { args: string[]; reply?: Reply } {
		const [name = "", first = "", ...rest] = args;
		const cmd = name.toLowerCase();
		if (cmd === "eval" || cmd === "eval_ro")
			return { args: [cmd, this.#remember(first), ...rest] };
		if (cmd === "evalsha" || cmd === "evalsha_ro") {
			const script = this.#scripts.get(first.toLowerCase());
			return {
				args:
					script === undefined
						? args
						: [cmd.replace("sha", ""), script, ...rest],
			};
		}
		if (
			cmd === "script" &&
			first.toLowerCase() === "load" &&
			rest[0] !== undefined
		) {
			return {
				args: [cmd, first, this.#remember(rest[0])],
				reply: sha1(rest[0]),
			};
		}
		if (cmd === "script" && first.toLowerCase() === "flush")
			this.#scripts.clear();
		return { args };
	}
}

/** ioredis replies as Upstash JSON: strings, integers, nulls and nested arrays. */
function toReply(value: unknown): Reply {
	if (value === null || value === undefined || value === false) return null; // Lua false is nil
	if (value === true) return 1;
	if (typeof value === "string") return value;
	if (typeof value === "number") return Math.trunc(value); // Redis truncates Lua numbers
	if (Buffer.isBuffer(value)) return value.toString("utf8");
	if (value instanceof Error) return value.message;
	if (Array.isArray(value)) return value.map(toReply);
	// ioredis turns HGETALL (and ioredis-mock a few more) into objects; Redis sends flat pairs.
	if (typeof value === "object")
		return Object.entries(value).flatMap(([k, v]) => [k, toReply(v)]);
	return null;
}

function encodeBase64(reply: Reply): Reply {
	if (typeof reply === "string")
		return Buffer.from(reply, "utf8").toString("base64");
	return Array.isArray(reply) ? reply.map(encodeBase64) : reply;
}

/** The URL without credentials, for error messages. */
function redactUrl(url: string): string {
	const parsed = new URL(url);
	parsed.username = "";
	parsed.password = "";
	return parsed.toString();
}

const errorMessage = (err: unknown) =>
	err instanceof Error ? err.message : String(err);

async function connectRedis(
	url: string,
	log: (line: string) => void,
): Promise<RedisBackend> {
	const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
	redis.on("error", (err: Error) =>
		log(`upstash bridge: redis: ${err.message}`),
	);
	try {
		await redis.connect();
	} catch (err) {
		redis.disconnect();
		throw new Error(
			`cannot connect to Redis at ${redactUrl(url)}: ${errorMessage(err)}`,
			{
				cause: err,
			},
		);
	}
	return {
		kind: "redis",
		command: ([name, ...args]) => redis.call(name as string, ...args),
		async transaction(commands) {
			// Queued with call() so unknown commands reach Redis and abort the whole EXEC.
			const multi = redis.multi();
			for (const [name, ...args] of commands)
				multi.call(name as string, ...args);
			const replies = await multi.exec();
			if (replies === null) throw new Error("EXECABORT Transaction discarded");
			return replies;
		},
		close: async () => {
			await redis.quit();
		},
	};
}

export async function startUpstashBridge(
	opts: UpstashBridgeOptions,
): Promise<UpstashBridge> {
	const backend = opts.redisUrl
		? await connectRedis(opts.redisUrl, opts.log)
		: createMemoryRedis();
	const scripts = new ScriptRewriter();

	async function runOne(raw: string[]): Promise<Outcome> {
		if (REFUSED.has((raw[0] ?? "").toLowerCase()))
			return { error: `ERR command '${raw[0]}' is not supported over REST` };
		const { args, reply } = scripts.rewrite(raw);
		try {
			const result = await backend.command(args);
			return { result: reply ?? toReply(result) };
		} catch (err) {
			return { error: errorMessage(err) };
		}
	}

	async function runTransaction(
		raw: string[][],
	): Promise<Outcome[] | { error: string }> {
		const refused = raw.find((c) => REFUSED.has((c[0] ?? "").toLowerCase()));
		if (refused)
			return {
				error: `ERR command '${refused[0]}' is not supported in a transaction`,
			};
		const rewritten = raw.map((c) => scripts.rewrite(c));
		try {
			const replies = await backend.transaction(rewritten.map((r) => r.args));
			return replies.map(
				([err, value], i): Outcome =>
					err
						? { error: err.message }
						: { result: rewritten[i]?.reply ?? toReply(value) },
			);
		} catch (err) {
			return { error: errorMessage(err) };
		}
	}

	async function handle(
		req: IncomingMessage,
		res: ServerResponse,
	): Promise<void> {
		if (req.headers.authorization !== `Bearer ${opts.token}`)
			return sendJson(res, 401, { error: "Unauthorized" });
		const path =
			new URL(req.url ?? "/", "http://x").pathname.replace(/\/+$/, "") || "/";
		if (
			req.method !== "POST" ||
			!["/", "/pipeline", "/multi-exec"].includes(path)
		) {
			return sendJson(res, 404, {
				error: `ERR ${req.method} ${path} is not supported by the local bridge`,
			});
		}
		let commands: string[][];
		try {
			commands = parseCommands(JSON.parse(await readBody(req)), path === "/");
		} catch (err) {
			return sendJson(res, 400, {
				error: `ERR failed to parse command: ${errorMessage(err)}`,
			});
		}
		const encode =
			req.headers["upstash-encoding"] === "base64"
				? encodeBase64
				: (r: Reply) => r;
		const encodeOutcome = (o: Outcome): Outcome =>
			"result" in o ? { result: encode(o.result) } : o;
		if (path === "/") {
			const outcome = await runOne(commands[0] as string[]);
			return sendJson(
				res,
				"error" in outcome ? 400 : 200,
				encodeOutcome(outcome),
			);
		}
		if (path === "/pipeline") {
			const outcomes: Outcome[] = [];
			for (const c of commands) outcomes.push(await runOne(c));
			return sendJson(res, 200, outcomes.map(encodeOutcome));
		}
		const outcome = await runTransaction(commands);
		if (!Array.isArray(outcome)) return sendJson(res, 400, outcome);
		sendJson(res, 200, outcome.map(encodeOutcome));
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((err: unknown) => {
			opts.log(`upstash bridge: ${errorMessage(err)}`);
			if (!res.headersSent)
				sendJson(res, 500, { error: `ERR ${errorMessage(err)}` });
		});
	});
	let port: number;
	try {
		port = await listen(server, {
			host: opts.host,
			port: opts.port,
			label: "upstash bridge",
			envVar: "UPSTASH_PORT",
		});
	} catch (err) {
		await backend.close();
		throw err;
	}
	return {
		url: `http://${authority(opts.host, port)}`,
		backend: backend.kind,
		async close() {
			await closeServer(server);
			await backend.close();
		},
	};
}

/** `["SET","k","v"]` for `/`, `[[...], ...]` otherwise; args become strings as Redis sees them. */
function parseCommands(body: unknown, single: boolean): string[][] {
	const toCommand = (value: unknown): string[] => {
		if (!Array.isArray(value) || value.length === 0)
			throw new Error("a command must be a non-empty array");
		return value.map((a: unknown) =>
			typeof a === "object" && a !== null ? JSON.stringify(a) : String(a),
		);
	};
	if (single) return [toCommand(body)];
	if (!Array.isArray(body) || body.length === 0)
		throw new Error("expected an array of commands");
	return body.map(toCommand);
}
