import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createApp } from "../src/app";
import { openApiDocument } from "../src/lib/openapi-document";

/**
 * Writes the OpenAPI document (what GET /v1/openapi.json serves) to the file named by the first
 * argument, for `npm run lint:openapi` and for tools that want a file; `-` writes it, compact, to
 * stdout (tests/global-setup.ts reads it so, once per test run, for the contract check).
 */
const out = process.argv[2] ?? "openapi.json";
const doc = openApiDocument(createApp(), "http://localhost:8787");
if (out === "-") process.stdout.write(JSON.stringify(doc));
else {
	mkdirSync(dirname(out), { recursive: true });
	writeFileSync(out, `${JSON.stringify(doc, null, "\t")}\n`);
}
