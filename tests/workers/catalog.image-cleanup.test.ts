import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { imageDeletions } from "../../src/db/schema";
import { adminProductSchema } from "../../src/modules/catalog/admin.schemas";
import { admin, pngOfSize, someProduct, uploadImage } from "./helpers/catalog";
import { runCron } from "./helpers/cron";
import { testDb } from "./helpers/db";
import { dbRoundTrips } from "./helpers/http";

afterEach(() => vi.restoreAllMocks());

async function upload(productId: string, bytes = pngOfSize(256)) {
	const res = await uploadImage(productId, bytes, "image/png");
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string; key: string };
}

const queued = async (keys: string[]) =>
	testDb()
		.select()
		.from(imageDeletions)
		.where(inArray(imageDeletions.key, keys));

const inR2 = async (key: string) => (await env.IMAGES.head(key)) !== null;

describe("R2 cleanup of deleted product images (cron job purge-orphan-images)", () => {
	it("queues a deleted product's objects in its delete statement and removes them on the next run", async () => {
		const p = await someProduct();
		const a = await upload(p.id);
		const b = await upload(p.id);
		// With images: the admin view is exactly its declared schema.
		const view = await (await admin(`/v1/admin/products/${p.id}`)).json();
		expect(adminProductSchema.parse(view)).toEqual(view);
		const res = await admin(`/v1/admin/products/${p.id}`, { method: "DELETE" });
		expect(await res.json()).toMatchObject({ outcome: "deleted" });
		expect(dbRoundTrips(res)).toBe(1);
		// Nothing waited on R2: the objects are still there, queued.
		expect(await inR2(a.key)).toBe(true);
		expect((await queued([a.key, b.key])).map((r) => r.key).sort()).toEqual(
			[a.key, b.key].sort(),
		);
		await runCron();
		expect(await inR2(a.key)).toBe(false);
		expect(await inR2(b.key)).toBe(false);
		expect(await queued([a.key, b.key])).toEqual([]);
	});

	it("keeps an object another product's image still uses, and one uploaded again before the run", async () => {
		const bytes = pngOfSize(300);
		const p = await someProduct();
		const other = await someProduct();
		const shared = await upload(p.id, bytes);
		await upload(other.id, bytes);
		await admin(`/v1/admin/products/${p.id}`, { method: "DELETE" });
		expect(await queued([shared.key])).toEqual([]);

		const q = await someProduct();
		const loneBytes = pngOfSize(280);
		const lone = await upload(q.id, loneBytes);
		await admin(`/v1/admin/images/${lone.id}`, { method: "DELETE" });
		expect(await queued([lone.key])).toHaveLength(1);
		// The same bytes come back before the job runs: the object must stay.
		const again = await upload(q.id, loneBytes);
		expect(again.key).toBe(lone.key);
		await runCron();
		expect(await inR2(shared.key)).toBe(true);
		expect(await inR2(lone.key)).toBe(true);
		expect(await queued([lone.key])).toEqual([]);
	});

	it("retries a failed R2 delete on the next run, recording the attempt", async () => {
		const p = await someProduct();
		const image = await upload(p.id);
		await admin(`/v1/admin/products/${p.id}`, { method: "DELETE" });
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const remove = vi
			.spyOn(env.IMAGES, "delete")
			.mockRejectedValueOnce(new Error("R2 is down (test)"));
		await runCron();
		expect(remove).toHaveBeenCalled();
		expect(await inR2(image.key)).toBe(true);
		const [row] = await testDb()
			.select()
			.from(imageDeletions)
			.where(eq(imageDeletions.key, image.key));
		expect(row).toMatchObject({
			attempts: 1,
			lastError: expect.stringContaining("R2 is down"),
		});
		await runCron();
		expect(await inR2(image.key)).toBe(false);
		expect(await queued([image.key])).toEqual([]);
	});
});
