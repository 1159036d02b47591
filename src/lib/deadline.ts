/**
 * Deadlines on outbound calls (Redis, the database, the email provider, Stripe) that measure the
 * dependency, not the isolate.
 *
 * An isolate runs its requests on one thread, and workerd reads sockets and fires timers only when
 * no JavaScript is runnable. While other work keeps the thread busy — a concurrent login's PBKDF2
 * chain (6 × 100,000 iterations, one call after another without yielding), a burst of CPU-heavy
 * requests — an answer that arrived in time sits unread in the socket, and when the thread is free
 * again the overdue timer can run before the answer is read: a Redis that answered in 1 ms is
 * reported down, a fail-closed route answers 503 and a rate limit fails open. Measured in workerd
 * (vitest pool): 12 chained PBKDF2 calls of 100,000 iterations kept a Redis answer, sent back in
 * 1 ms, unread for 175 ms and fired a 100 ms timer 76 ms late; the fuzzer's run of in-isolate
 * requests kept the revocation marker's answer unread for 1.6 s, so its 1,000 ms deadline won.
 *
 * So a deadline timer that fires more than DEADLINE_STALL_TOLERANCE_MS late does not expire: the
 * isolate was stalled, and the call gets one fresh window of `ms` from then, in which an answer
 * that is already there is read at once. A dependency that really hangs still fails after `ms`
 * (after 2 × `ms` plus the stall when the isolate stalled meanwhile).
 */

/**
 * How late a deadline timer may fire and still count as on time. Timers on a busy machine fire a
 * few milliseconds late; later than this, the isolate was busy with other work.
 */
export const DEADLINE_STALL_TOLERANCE_MS = 20;

/**
 * Calls `expire` after `ms`, or — when the timer fired more than DEADLINE_STALL_TOLERANCE_MS late,
 * the isolate stalled — after one more `ms` from then. Returns a cancel.
 */
function startDeadline(ms: number, expire: () => void): () => void {
	let timer: ReturnType<typeof setTimeout>;
	const arm = (stalledBefore: boolean) => {
		const due = Date.now() + ms;
		timer = setTimeout(() => {
			const stalled = Date.now() - due > DEADLINE_STALL_TOLERANCE_MS;
			if (stalled && !stalledBefore) arm(true);
			else expire();
		}, ms);
		// In Node (the dev scripts share these clients) a pending deadline must not keep the process
		// alive, like AbortSignal.timeout's; workerd's timers are plain numbers.
		(timer as { unref?: () => void }).unref?.();
	};
	arm(false);
	return () => clearTimeout(timer);
}

/** AbortSignal.timeout(ms), except that time the isolate spent stalled does not count. */
export function deadlineSignal(ms: number): AbortSignal {
	const controller = new AbortController();
	startDeadline(ms, () =>
		controller.abort(
			new DOMException(
				"The operation was aborted due to timeout",
				"TimeoutError",
			),
		),
	);
	return controller.signal;
}

/**
 * Bounds a call end to end (several round trips, or a client's retries): rejects with
 * `Error(message)` after `ms`, not counting time the isolate spent stalled.
 */
export function withDeadline<T>(
	work: Promise<T>,
	ms: number,
	message: string,
): Promise<T> {
	let cancel = () => {};
	const expired = new Promise<never>((_, reject) => {
		cancel = startDeadline(ms, () => reject(new Error(message)));
	});
	return Promise.race([work, expired]).finally(() => cancel());
}
