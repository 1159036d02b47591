/** Closed-loop load generation and the figures each bench row reports. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

export interface Result {
	scenario: string;
	mode: "cold" | "cached" | "live";
	requests: number;
	rps: number;
	p50: number;
	p99: number;
	dbRoundTrips: number;
	errors: number;
}

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ??
	0;

/** One request of a scenario; `client` is the index of the closed-loop client sending it. */
export type RequestFor = (n: number, client: number) => [string, RequestInit?];

/** Closed-loop load: CONCURRENCY workers, each sending the next request when one returns. */
export async function load(
	origin: string,
	paths: string[] | RequestFor,
	scenario: string,
	mode: Result["mode"],
	okStatus = 200,
	/** Stop after this many requests (scenarios that consume prepared state, e.g. carts). */
	limit = Number.POSITIVE_INFINITY,
	/** Closed-loop clients (one, for a per-request cost free of queueing). */
	concurrency = CONCURRENCY,
): Promise<Result> {
	const requestFor: RequestFor =
		typeof paths === "function"
			? paths
			: (n) => [paths[n % paths.length] as string];
	const latencies: number[] = [];
	let roundTrips = 0;
	let errors = 0;
	let next = 0;
	const deadline = performance.now() + SECONDS * 1000;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async (_, client) => {
			while (performance.now() < deadline && next < limit) {
				const [path, init] = requestFor(next++, client);
				const t0 = performance.now();
				const res = await fetch(origin + path, init);
				await res.arrayBuffer();
				latencies.push(performance.now() - t0);
				if (res.status !== okStatus) errors++;
				const m = /db;desc="(\d+)"/.exec(
					res.headers.get("Server-Timing") ?? "",
				);
				roundTrips += Number(m?.[1] ?? 0);
			}
		}),
	);
	const elapsed = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	return {
		scenario,
		mode,
		requests: latencies.length,
		rps: Math.round(latencies.length / elapsed),
		p50: Number(percentile(latencies, 50).toFixed(1)),
		p99: Number(percentile(latencies, 99).toFixed(1)),
		dbRoundTrips: Number((roundTrips / latencies.length).toFixed(2)),
		errors,
	};
}
