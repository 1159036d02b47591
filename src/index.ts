import { createApp } from "./app";
import { handleQueue } from "./queues";
import { runScheduled } from "./scheduled";

const app = createApp();

export default {
	fetch: app.fetch,
	queue: handleQueue,
	scheduled: runScheduled,
} satisfies ExportedHandler<Env>;
