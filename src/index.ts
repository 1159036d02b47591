import { createApp } from "./app";
import { handleQueue } from "./queues";
import { runScheduled } from "./scheduled";
import { createServices } from "./services";

const app = createApp();

/** The Worker: every entry point builds its dependencies with createServices (fetch: per request). */
export default {
	fetch: app.fetch,
	queue: (batch, env, ctx) => handleQueue(batch, createServices(env, ctx)),
	scheduled: (controller, env, ctx) =>
		runScheduled(controller, createServices(env, ctx)),
} satisfies ExportedHandler<Env>;
