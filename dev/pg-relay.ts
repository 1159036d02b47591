/**
 * The Neon WebSocket relay: raw Postgres wire bytes in binary frames, piped to a TCP target.
 * Each WebSocket gets its own PostgreSQL connection, so sessions are as concurrent as on Neon.
 */
import { connect } from "node:net";
import type { RawData, WebSocket } from "ws";

export interface Relay {
	open(ws: WebSocket): void;
	/** Resolves once every open session has finished (close the sockets first). */
	drain(): Promise<void>;
}

function toBuffer(data: RawData): Buffer {
	if (Buffer.isBuffer(data)) return data;
	return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export function connectRelay(
	target: { host: string; port: number },
	log: (line: string) => void,
): Relay {
	const sessions = new Set<Promise<void>>();

	function open(ws: WebSocket): void {
		const tcp = connect(target.port, target.host);
		tcp.setNoDelay(true);
		// The driver may send its startup bytes before the TCP side is up: keep them, in order.
		let pending: Buffer[] | null = [];
		let tcpClosed = false;
		let wsClosed = false;
		let resolveDone!: () => void;
		const done = new Promise<void>((resolve) => {
			resolveDone = resolve;
		});
		const finish = () => {
			if (tcpClosed && wsClosed) resolveDone();
		};

		ws.on("message", (data) => {
			const chunk = toBuffer(data);
			if (pending) pending.push(chunk);
			else if (!tcpClosed) tcp.write(chunk);
		});
		tcp.on("connect", () => {
			for (const chunk of pending ?? []) tcp.write(chunk);
			pending = null;
		});
		tcp.on("data", (chunk) => {
			if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
		});
		tcp.on("error", (err) =>
			log(`neon relay: ${target.host}:${target.port}: ${err.message}`),
		);
		ws.on("error", (err) => log(`neon relay: websocket: ${err.message}`));
		tcp.on("close", () => {
			tcpClosed = true;
			ws.close();
			finish();
		});
		ws.on("close", () => {
			wsClosed = true;
			tcp.end();
			finish();
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
