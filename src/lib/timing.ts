/** Counts database round trips (HTTP calls to Neon) and their time for one request. */
export class DbMeter {
	roundTrips = 0;
	durationMs = 0;

	record(ms: number): void {
		this.roundTrips += 1;
		this.durationMs += ms;
	}

	/** `db;desc="<round trips>";dur=<ms>` — tests and the bench read round trips from `desc`. */
	serverTiming(): string {
		return `db;desc="${this.roundTrips}";dur=${this.durationMs.toFixed(1)}`;
	}
}
