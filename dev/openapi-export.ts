import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createApp } from "../src/app";
import { openApiDocument } from "../src/lib/openapi-document";

/**
 * Writes the OpenAPI document (what GET /v1/openapi.json serves) to the file named by the first
 * argument, for `npm run lint:openapi` and for tools that want a file.
 */
const out = process.argv[2] ?? "openapi.json";
mkdirSync(dirname(out), { recursive: true });
const doc = openApiDocument(createApp(), "http://localhost:8787");
writeFileSync(out, `${JSON.stringify(doc, null, "\t")}\n`);
