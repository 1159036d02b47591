/**
 * The embedded Redis for the Upstash bridge: ioredis-mock, with the gaps that matter to this
 * project patched so it behaves like Redis for the commands the app and @upstash/* send.
 * Anything subtler needs a real Redis (LOCAL_REDIS_URL / TEST_REDIS_URL).
 */
import { createHash, randomUUID } from "node:crypto";
import Redis from "ioredis";
import RedisMock from "ioredis-mock";
import type { RedisBackend } from "./upstash-bridge";

type Method = (...args: string[]) => Promise<unknown>;

const INTEGER_OPS = new Set(["incr", "incrby", "decr", "decrby"]);

/**
 * ioredis-mock only recognises upper-case options, while @upstash/redis sends them in lower case
 * (`set k v ex 60` would silently lose its TTL). Upper-case only the option positions, never
 * keys or values.
 */
function normaliseOptions(cmd: string, args: string[]): string[] {
	const upper = (from: number, while_: (a: string) => boolean = () => true) => {
		const out = [...args];
		for (let i = from; i < out.length && while_(out[i] as string); i++)
			out[i] = (out[i] as string).toUpperCase();
		return out;
	};
	if (cmd === "set") return upper(2);
	if (
		cmd === "expire" ||
		cmd === "pexpire" ||
		cmd === "expireat" ||
		cmd === "pexpireat"
	)
		return upper(2);
	if (cmd === "zadd") return upper(1, (a) => /^[a-z]+$/i.test(a));
	return args;
}

export function createMemoryRedis(): RedisBackend {
	// ioredis-mock shares data between instances with the same host:port; a unique host isolates bridges.
	const mock = new RedisMock({ host: `upstash-bridge-${randomUUID()}` });
	const methods = mock as unknown as Record<string, Method | undefined>;
	// Method names such as disconnect or duplicate must not be reachable over HTTP.
	const known = new Set(Redis.prototype.getBuiltinCommands());

	const method = (name: string): Method => {
		const fn = methods[name];
		if (!known.has(name) || typeof fn !== "function") {
			throw new Error(
				`ERR unknown or unsupported command '${name}' (embedded store; use a real Redis for it)`,
			);
		}
		return fn.bind(mock);
	};

	/** ioredis-mock answers INCR on a non-integer or a hash with null instead of an error. */
	async function checkInteger(key: string): Promise<void> {
		const type = await mock.type(key);
		if (type !== "none" && type !== "string") {
			throw new Error(
				"WRONGTYPE Operation against a key holding the wrong kind of value",
			);
		}
		const value = await mock.get(key);
		if (value !== null && !/^-?\d+$/.test(value))
			throw new Error("ERR value is not an integer or out of range");
	}

	return {
		kind: "memory",
		async command([name = "", ...args]) {
			const cmd = name.toLowerCase();
			// SCRIPT is not mocked; the bridge turns every known EVALSHA into EVAL, so only the SHA matters.
			if (
				cmd === "script" &&
				args[0]?.toLowerCase() === "load" &&
				args[1] !== undefined
			) {
				return createHash("sha1").update(args[1]).digest("hex");
			}
			if (cmd === "script" && args[0]?.toLowerCase() === "flush") return "OK";
			if (INTEGER_OPS.has(cmd) && args[0] !== undefined)
				await checkInteger(args[0]);
			return method(cmd)(...normaliseOptions(cmd, args));
		},
		async transaction(commands) {
			const normalised = commands.map(([name = "", ...args]) => {
				const cmd = name.toLowerCase();
				method(cmd);
				return [cmd, ...normaliseOptions(cmd, args)];
			});
			return (await mock.multi(normalised).exec()) ?? [];
		},
		close: async () => {
			mock.disconnect();
		},
	};
}
