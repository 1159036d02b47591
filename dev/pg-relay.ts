/**
 * The Neon WebSocket relay: raw Postgres wire bytes in binary frames, piped to a TCP target.
 * For PGlite (one session shared by every client) a relay session also holds a shared gate from
 * its first byte until the server reports it idle outside a transaction, so HTTP queries and other
 * connections never land inside someone else's transaction.
 */
import { connect } from "node:net";
import type { RawData, WebSocket } from "ws";

/** A FIFO async lock. */
export class Mutex {
	#tail: Promise<void> = Promise.resolve();

	acquire(): Promise<() => void> {
		let release!: () => void;
		const next = new Promise<void>((resolve) => {
			release = resolve;
		});
		const ready = this.#tail.then(() => release);
		this.#tail = this.#tail.then(() => next);
		return ready;
	}

	async run<T>(fn: () => Promise<T>): Promise<T> {
		const release = await this.acquire();
		try {
			return await fn();
		} finally {
			release();
		}
	}
}

export interface Relay {
	open(ws: WebSocket): void;
	/** Resolves once every open session has finished (close the sockets first). */
	drain(): Promise<void>;
}

export interface SessionGate {
	gate: Mutex;
	/** Called, still holding the gate, when a session ends mid-transaction. */
	abandon(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Frontend messages answered by exactly one ReadyForQuery: Query, Sync, FunctionCall. */
const ANSWERED_BY_READY = new Set([0x51, 0x53, 0x46]);
/** Extended-protocol messages that leave a Sync owing (Parse, Bind, Describe, Execute, Close, Flush). */
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);
const TERMINATE = 0x58;
const READY_FOR_QUERY = 0x5a;
const IDLE = 0x49;

/**
 * Splits a byte stream into Postgres messages without copying large bodies: only frames for which
 * `wantsBody` is true (and untyped startup-phase frames) are buffered whole.
 */
class FrameScanner {
	/** Startup-phase frames carry no type byte. */
	untyped = false;
	/** Unframed single bytes still expected (the server's answer to an SSL/GSSENC request). */
	rawBytes = 0;
	#buf: Buffer = Buffer.alloc(0);
	#skip = 0;

	constructor(
		private readonly wantsBody: (type: number) => boolean,
		private readonly onFrame: (type: number, body: Buffer | null) => void,
	) {}

	get partial(): boolean {
		return this.#buf.length > 0 || this.#skip > 0;
	}

	push(chunk: Buffer): void {
		const skipped = Math.min(this.#skip, chunk.length);
		this.#skip -= skipped;
		let buf =
			this.#buf.length > 0
				? Buffer.concat([this.#buf, chunk.subarray(skipped)])
				: chunk.subarray(skipped);
		for (;;) {
			if (this.rawBytes > 0 && buf.length > 0) {
				this.rawBytes--;
				buf = buf.subarray(1);
				continue;
			}
			const head = this.untyped ? 4 : 5;
			if (buf.length < head) break;
			const type = this.untyped ? 0 : (buf[0] as number);
			const total = this.untyped ? buf.readInt32BE(0) : 1 + buf.readInt32BE(1);
			if (total < head) break; // garbage; let the server reject it
			if (this.untyped || this.wantsBody(type)) {
				if (buf.length < total) break;
				const body = buf.subarray(head, total);
				buf = buf.subarray(total);
				this.onFrame(type, body);
			} else {
				this.onFrame(type, null);
				this.#skip = Math.max(0, total - buf.length);
				buf = buf.subarray(Math.min(total, buf.length));
			}
		}
		this.#buf = buf;
	}
}

/** Follows one connection's conversation far enough to know when it is idle outside a transaction. */
class SessionTracker {
	/** The client sent Terminate: Postgres would now close the connection. */
	terminated = false;
	#owed = 0;
	#status = IDLE;
	#extendedOpen = false;
	readonly #client = new FrameScanner(
		() => false,
		(type, body) => {
			if (type === 0 && body) {
				const code = body.readInt32BE(0);
				if (code === SSL_REQUEST || code === GSSENC_REQUEST)
					this.#server.rawBytes++;
				else if (code !== CANCEL_REQUEST) {
					this.#owed++; // StartupMessage: answered by ReadyForQuery once authenticated
					this.#client.untyped = false;
				}
			} else if (ANSWERED_BY_READY.has(type)) {
				this.#owed++;
				if (type === 0x53) this.#extendedOpen = false;
			} else if (EXTENDED.has(type)) {
				this.#extendedOpen = true;
			} else if (type === TERMINATE) {
				this.terminated = true;
			}
		},
	);
	readonly #server = new FrameScanner(
		(type) => type === READY_FOR_QUERY,
		(type, body) => {
			if (type !== READY_FOR_QUERY || !body) return;
			this.#owed--;
			this.#status = body[0] ?? IDLE;
		},
	);

	constructor() {
		this.#client.untyped = true;
	}

	fromClient(chunk: Buffer): void {
		this.#client.push(chunk);
	}
	fromServer(chunk: Buffer): void {
		this.#server.push(chunk);
	}
	get idle(): boolean {
		return (
			this.#owed <= 0 &&
			this.#status === IDLE &&
			!this.#extendedOpen &&
			!this.#client.partial
		);
	}
}

function toBuffer(data: RawData): Buffer {
	if (Buffer.isBuffer(data)) return data;
	return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function connectRelay(
	target: { host: string; port: number },
	log: (line: string) => void,
	sessionGate?: SessionGate,
): Relay {
	const sessions = new Set<Promise<void>>();

	function open(ws: WebSocket): void {
		const tcp = connect(target.port, target.host);
		tcp.setNoDelay(true);
		const tracker = new SessionTracker();
		const pending: Buffer[] = [];
		let connected = false;
		let pumping = false;
		let tcpClosed = false;
		let wsClosed = false;
		let finished = false;
		let release: (() => void) | null = null;
		let resolveDone!: () => void;
		const done = new Promise<void>((resolve) => {
			resolveDone = resolve;
		});

		const maybeRelease = () => {
			if (release && !pumping && pending.length === 0 && tracker.idle) {
				release();
				release = null;
			}
		};
		const finish = async () => {
			if (!tcpClosed || !wsClosed || pumping || finished) return;
			finished = true;
			if (release) {
				// Still holding the gate means the session was not idle: roll back before others go on.
				await sessionGate
					?.abandon()
					.catch((err: unknown) =>
						log(`neon relay: cleanup failed: ${String(err)}`),
					);
				release();
				release = null;
			}
			resolveDone();
		};
		// Client bytes are written in order, after the TCP side is up and (for PGlite) the gate is held.
		const pump = async () => {
			if (pumping || !connected) return;
			pumping = true;
			while (pending.length > 0 && !tcpClosed && !wsClosed) {
				if (sessionGate && !release) release = await sessionGate.gate.acquire();
				if (tcpClosed || wsClosed) break;
				tcp.write(pending.shift() as Buffer);
				// pglite-socket keeps the connection after Terminate, and the driver waits for the server
				// to hang up before closing its WebSocket.
				if (tracker.terminated && pending.length === 0) tcp.end();
			}
			pumping = false;
			if (tcpClosed || wsClosed) void finish();
			else maybeRelease();
		};

		ws.on("message", (data) => {
			const chunk = toBuffer(data);
			tracker.fromClient(chunk);
			pending.push(chunk);
			void pump();
		});
		tcp.on("connect", () => {
			connected = true;
			void pump();
		});
		tcp.on("data", (chunk) => {
			tracker.fromServer(chunk);
			if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
			maybeRelease();
		});
		tcp.on("error", (err) =>
			log(`neon relay: ${target.host}:${target.port}: ${err.message}`),
		);
		ws.on("error", (err) => log(`neon relay: websocket: ${err.message}`));
		tcp.on("close", () => {
			tcpClosed = true;
			ws.close();
			void finish();
		});
		ws.on("close", () => {
			wsClosed = true;
			tcp.end();
			void finish();
		});
		sessions.add(done);
		void done.then(() => sessions.delete(done));
	}

	return {
		open,
		async drain() {
			await Promise.all(sessions);
		},
	};
}
