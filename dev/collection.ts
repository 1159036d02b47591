/**
 * The API collection in collection/ (Bruno), two commands:
 *
 *   npm run collection        # writes the Postman export (collection/postman/) from the .bru files
 *   npm run collection:test   # starts `npm run dev` on free ports with a throwaway database,
 *                             # checks every operation of /v1/openapi.json has a request, then
 *                             # runs the whole collection with Bruno's CLI (`bru run --env local`)
 *
 * A failing request, assertion or uncovered operation exits non-zero (CI runs the test).
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
	chmodSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brunoToPostman } from "@usebruno/converters";
import {
	parseEnvironment,
	parseFolder,
	parseRequest,
} from "@usebruno/filestore";

const root = fileURLToPath(new URL("..", import.meta.url));
const COLLECTION = join(root, "collection");
const POSTMAN = join(COLLECTION, "postman");

interface BruRequest {
	name: string;
	seq: number;
	request: { method: string; url: string };
}

/** The collection's folders (sorted by their seq) with their parsed requests (by seq). */
function readCollection() {
	const folders = readdirSync(COLLECTION, { withFileTypes: true })
		.filter(
			(d) =>
				d.isDirectory() &&
				!["environments", "fixtures", "postman"].includes(d.name),
		)
		.map((d) => {
			const dir = join(COLLECTION, d.name);
			const folder = parseFolder(
				readFileSync(join(dir, "folder.bru"), "utf8"),
				{
					format: "bru",
				},
			) as { meta?: { seq?: number }; docs?: string };
			const items = readdirSync(dir)
				.filter((f) => f.endsWith(".bru") && f !== "folder.bru")
				.map(
					(f) =>
						parseRequest(readFileSync(join(dir, f), "utf8"), {
							format: "bru",
						}) as BruRequest,
				)
				.sort((a, b) => a.seq - b.seq);
			return { name: d.name, seq: folder.meta?.seq ?? 0, root: folder, items };
		});
	return folders.sort((a, b) => a.seq - b.seq);
}

/** Writes the Postman v2.1 collection and its `local` environment, converted by Bruno's converter. */
function writePostman(): void {
	const folders = readCollection();
	const collection = {
		name: "VoidShop",
		version: "1",
		uid: "voidshop",
		items: folders.map((f, i) => ({
			type: "folder",
			name: f.name,
			seq: i + 1,
			root: f.root,
			items: f.items.map((item) => ({ ...item, uid: `${f.name}/${item.seq}` })),
		})),
		environments: [],
		root: {
			docs: "Generated from the Bruno collection in collection/ by `npm run collection`; do not edit by hand.",
		},
		brunoConfig: { version: "1", name: "VoidShop", type: "collection" },
	};
	const env = parseEnvironment(
		readFileSync(join(COLLECTION, "environments", "local.bru"), "utf8"),
		{ format: "bru" },
	) as { variables: { name: string; value: string }[] };
	mkdirSync(POSTMAN, { recursive: true });
	writeFileSync(
		join(POSTMAN, "voidshop.postman_collection.json"),
		`${JSON.stringify(brunoToPostman(collection), null, "\t")}\n`,
	);
	writeFileSync(
		join(POSTMAN, "local.postman_environment.json"),
		`${JSON.stringify(
			{
				name: "local",
				values: env.variables.map((v) => ({
					key: v.name,
					value: v.value,
					type: "default",
					enabled: true,
				})),
				_postman_variable_scope: "environment",
			},
			null,
			"\t",
		)}\n`,
	);
	const count = folders.reduce((n, f) => n + f.items.length, 0);
	console.log(
		`wrote collection/postman/ (${count} requests in ${folders.length} folders)`,
	);
}

/** Operations of the OpenAPI document that no request in the collection calls. */
function uncovered(
	document: { paths: Record<string, Record<string, unknown>> },
	requests: BruRequest[],
): string[] {
	const called = requests.map((r) => ({
		method: r.request.method.toLowerCase(),
		// {{baseUrl}}/v1/orders/{{orderId}}/items?x=y → /v1/orders/{}/items
		path: r.request.url
			.replace(/^\{\{baseUrl\}\}/, "")
			.replace(/\?.*$/, "")
			.replace(/\{\{[^}]+\}\}/g, "{}"),
	}));
	const missing: string[] = [];
	for (const [path, operations] of Object.entries(document.paths)) {
		for (const method of Object.keys(operations)) {
			if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
			// Document paths are absolute (/v1/…, /health/…).
			const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
			if (!called.some((c) => c.method === method && pattern.test(c.path)))
				missing.push(`${method.toUpperCase()} ${path}`);
		}
	}
	return missing;
}

function freePorts(count: number): Promise<number[]> {
	const servers = Array.from({ length: count }, () => createServer());
	return Promise.all(
		servers.map(
			(s) =>
				new Promise<number>((resolve, reject) => {
					s.once("error", reject);
					s.listen(0, "127.0.0.1", () => {
						const address = s.address();
						resolve(typeof address === "object" && address ? address.port : 0);
					});
				}),
		),
	).finally(() => {
		for (const s of servers) s.close();
	});
}

function run(
	command: string,
	args: string[],
	env: NodeJS.ProcessEnv,
): Promise<number> {
	return new Promise((resolve) => {
		const child = spawn(command, args, {
			cwd: COLLECTION,
			env,
			stdio: "inherit",
		});
		child.on("exit", (code) => resolve(code ?? 1));
	});
}

async function test(): Promise<number> {
	const started = Date.now();
	const [api, neon, upstash, stripe, postgres] = await freePorts(5);
	const dataDir = mkdtempSync(join(tmpdir(), "voidshop-collection-"));
	// Started by root, PostgreSQL runs as `postgres`, which must reach its data directory.
	chmodSync(dataDir, 0o755);
	const env = {
		...process.env,
		PORT: String(api),
		NEON_PROXY_PORT: String(neon),
		UPSTASH_PORT: String(upstash),
		STRIPE_STANDIN_PORT: String(stripe),
		EMBEDDED_POSTGRES_PORT: String(postgres),
		EMBEDDED_POSTGRES_DIR: join(dataDir, "postgres"),
	};
	const dev: ChildProcess = spawn(
		join(root, "node_modules/.bin/tsx"),
		[join(root, "dev/dev.ts")],
		{ cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
	);
	// The stack's output (request logs included) is shown only when something fails.
	let output = "";
	const ready = new Promise<void>((resolve, reject) => {
		dev.stderr?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
		});
		dev.stdout?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes("VoidShop is running")) resolve();
		});
		dev.on("exit", (code) =>
			reject(new Error(`npm run dev exited (${code}):\n${output}`)),
		);
	});
	const stop = () => {
		if (dev.pid && dev.exitCode === null) process.kill(-dev.pid, "SIGINT");
	};
	process.once("SIGINT", stop);
	try {
		await Promise.race([
			ready,
			new Promise((_, reject) =>
				setTimeout(
					() =>
						reject(
							new Error(`the dev stack was not ready in 3 minutes:\n${output}`),
						),
					180_000,
				),
			),
		]);
		console.log(
			`dev stack ready on port ${api} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
		);
		const baseUrl = `http://localhost:${api}`;
		const document = (await (
			await fetch(`${baseUrl}/v1/openapi.json`)
		).json()) as {
			paths: Record<string, Record<string, unknown>>;
		};
		const missing = uncovered(
			document,
			readCollection().flatMap((f) => f.items),
		);
		if (missing.length > 0) {
			console.error(
				`operations without a request in collection/:\n  ${missing.join("\n  ")}`,
			);
			return 1;
		}
		const bruStarted = Date.now();
		const code = await run(
			join(root, "node_modules/.bin/bru"),
			[
				"run",
				"-r",
				"--env",
				"local",
				"--env-var",
				`baseUrl=${baseUrl}`,
				"--env-var",
				`stripeUrl=http://127.0.0.1:${stripe}`,
				"--reporter-skip-all-headers",
				"--reporter-skip-body",
			],
			process.env,
		);
		console.log(
			`bru run: ${((Date.now() - bruStarted) / 1000).toFixed(1)} s; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`,
		);
		if (code !== 0) console.error(`the dev stack's output:\n${output}`);
		return code;
	} finally {
		stop();
		await new Promise((resolve) =>
			dev.exitCode === null ? dev.once("exit", resolve) : resolve(null),
		);
		rmSync(dataDir, { recursive: true, force: true });
	}
}

const command = process.argv[2];
if (command === "test") {
	test().then(
		(code) => process.exit(code),
		(err: unknown) => {
			console.error(err instanceof Error ? err.message : err);
			process.exit(1);
		},
	);
} else {
	writePostman();
}
