import { env } from "cloudflare:workers";
import { createServices } from "../../../src/services";

/**
 * Direct access to the test database, for arranging and inspecting state: the Worker's own
 * services, so `meter` counts this db's round trips.
 */
export function testServices() {
	return createServices(env);
}

export function testDb() {
	return testServices().db;
}
