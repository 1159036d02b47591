import { describe } from "vitest";
import { protectedRouteCases } from "./helpers/security";

const id = "0190a6f0-0000-7000-8000-000000000000";

// Every admin route of the real Worker: 401 without/with a bad or expired token, 403 for customers.
describe("admin routes", () => {
	protectedRouteCases(
		[
			{
				method: "POST",
				path: "/v1/admin/categories",
				body: { slug: "x", name: "X" },
			},
			{
				method: "PATCH",
				path: `/v1/admin/categories/${id}`,
				body: { name: "Y" },
			},
			{ method: "DELETE", path: `/v1/admin/categories/${id}` },
			{ method: "POST", path: "/v1/admin/products", body: {} },
			{ method: "GET", path: `/v1/admin/products/${id}` },
			{
				method: "PATCH",
				path: `/v1/admin/products/${id}`,
				body: { name: "Z" },
			},
			{ method: "DELETE", path: `/v1/admin/products/${id}` },
			{ method: "POST", path: `/v1/admin/products/${id}/variants`, body: {} },
			{ method: "PATCH", path: `/v1/admin/variants/${id}`, body: { price: 1 } },
			{ method: "DELETE", path: `/v1/admin/variants/${id}` },
			{
				method: "POST",
				path: `/v1/admin/variants/${id}/inventory`,
				body: { delta: 1, reason: "restock" },
			},
			{ method: "GET", path: "/v1/admin/inventory/low-stock" },
			{ method: "POST", path: `/v1/admin/products/${id}/images` },
			{ method: "PATCH", path: `/v1/admin/images/${id}`, body: { alt: "a" } },
			{
				method: "PUT",
				path: `/v1/admin/products/${id}/images/order`,
				body: { imageIds: [] },
			},
			{ method: "DELETE", path: `/v1/admin/images/${id}` },
		].map((route) => ({ ...route, role: "admin" as const })),
	);
});
