import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { ApiError, accountGone, PG, pgError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { imageUrl } from "../../lib/image-url";
import { randomToken, sha256Hex } from "../../lib/tokens";
import {
	type AddRow,
	addItemSql,
	type CartRow,
	cartViewSql,
	lockCartSql,
	MAX_CART_LINES,
	MAX_LINE_QUANTITY,
	removeItemsSql,
	type SetQuantityRow,
	setQuantitySql,
} from "./cart.queries";
import type { CartOwner } from "./cart-token";

type CartNotice =
	| { code: "price_changed"; old: number; new: number }
	| { code: "out_of_stock" }
	| { code: "quantity_exceeds_stock"; available: number }
	| { code: "unavailable" };

export interface CartLine {
	id: string;
	variantId: string;
	sku: string;
	productId: string;
	productSlug: string;
	productName: string;
	options: Record<string, string>;
	image: {
		url: string;
		alt: string;
		width: number | null;
		height: number | null;
	} | null;
	unitPrice: number;
	quantity: number;
	lineTotal: number;
	notices: CartNotice[];
}

export interface Cart {
	id: string | null;
	items: CartLine[];
	subtotal: number;
	itemCount: number;
	currency: string | null;
}

export const emptyCart = (): Cart => ({
	id: null,
	items: [],
	subtotal: 0,
	itemCount: 0,
	currency: null,
});

function noticesFor(r: CartRow): CartNotice[] {
	const notices: CartNotice[] = [];
	if (r.price !== r.unit_price)
		notices.push({ code: "price_changed", old: r.unit_price, new: r.price });
	if (!r.sellable) notices.push({ code: "unavailable" });
	else if (r.available === 0) notices.push({ code: "out_of_stock" });
	else if (r.quantity > r.available)
		notices.push({ code: "quantity_exceeds_stock", available: r.available });
	return notices;
}

/**
 * Shapes the re-priced rows: every line at today's price; the subtotal counts the lines that can
 * be bought now (not unavailable, not out of stock); itemCount counts every unit in the cart.
 */
function toCart(rows: CartRow[]): Cart {
	const first = rows[0];
	if (!first) return emptyCart();
	const items: CartLine[] = rows
		.filter((r): r is CartRow & { id: string } => r.id !== null)
		.map((r) => ({
			id: r.id,
			variantId: r.variant_id,
			sku: r.sku,
			productId: r.product_id,
			productSlug: r.product_slug,
			productName: r.product_name,
			options: r.options,
			image: r.image_key
				? {
						url: imageUrl(r.image_key),
						alt: r.image_alt ?? "",
						width: r.image_width,
						height: r.image_height,
					}
				: null,
			unitPrice: r.price,
			quantity: r.quantity,
			lineTotal: r.price * r.quantity,
			notices: noticesFor(r),
		}));
	return {
		id: first.cart_id,
		items,
		subtotal: items
			.filter((i) =>
				i.notices.every(
					(n) => n.code !== "unavailable" && n.code !== "out_of_stock",
				),
			)
			.reduce((sum, i) => sum + i.lineTotal, 0),
		itemCount: items.reduce((sum, i) => sum + i.quantity, 0),
		currency: rows.find((r) => r.id !== null)?.price_currency ?? null,
	};
}

const itemNotFound = () => new ApiError("NOT_FOUND", "Cart item not found");
/** The stock rule's `unavailable`: the variant or its product is not active. */
const unavailable = () =>
	new ApiError("UNAVAILABLE", "This item is not available for sale");

/** The owner's cart, re-priced (an empty cart when there is none): one round trip. */
export async function getCart(
	db: Db,
	params: { owner: CartOwner },
): Promise<Cart> {
	const { rows } = await db.execute<CartRow>(cartViewSql(params.owner));
	return toCart(rows);
}

interface AddParams {
	variantId: string;
	quantity: number;
}

/**
 * Adds a variant (or raises its line) to the owner's cart and returns the cart, in ONE round
 * trip: a batch that locks (a user's: creates) the cart, writes conditionally and reads the cart
 * back. Null when the owner is a guest whose cart does not exist (merged, purged or never was).
 */
export function addItem(
	db: Db,
	params: AddParams & { owner: CartOwner },
): Promise<Cart | null> {
	return add(db, params);
}

/**
 * Adds a variant for a shopper with no cart yet, in ONE round trip: the guest cart is created by
 * the same statement, only if the line is written (a refused add leaves nothing behind). Returns
 * the cart and its new token; the database keeps only the token's hash.
 */
export async function addItemToNewGuestCart(
	db: Db,
	params: AddParams,
): Promise<{ cart: Cart; cartToken: string }> {
	const cartToken = randomToken();
	const tokenHash = await sha256Hex(cartToken);
	const cart = await add(db, {
		...params,
		owner: { kind: "guest", tokenHash },
		newGuestCart: { id: uuidv7(), tokenHash },
	});
	if (!cart) throw new Error("a new guest cart was not created");
	return { cart, cartToken };
}

async function add(
	db: Db,
	p: AddParams & {
		owner: CartOwner;
		newGuestCart?: { id: string; tokenHash: string };
	},
): Promise<Cart | null> {
	const { write, read } = await batch(db, {
		// A new guest cart is created by the write itself; an existing cart is locked first.
		lock: p.newGuestCart
			? undefined
			: db.execute(lockCartSql(p.owner, uuidv7())),
		write: db.execute<AddRow>(addItemSql({ ...p, itemId: uuidv7() })),
		read: db.execute<CartRow>(cartViewSql(p.owner)),
	}).catch((err: unknown) => {
		// A user's cart is created by the lock statement: a token of a deleted account fails its
		// foreign key. That is an authentication failure, not a server error.
		const pg = pgError(err);
		if (
			pg?.code === PG.FOREIGN_KEY_VIOLATION &&
			pg.constraint === "carts_user_id_users_id_fk"
		)
			throw accountGone();
		throw err;
	});
	const row = write.rows[0];
	if (!row || (!row.has_cart && !p.newGuestCart)) return null;
	if (row.outcome === null)
		throw new ApiError("NOT_FOUND", "Variant not found");
	if (row.outcome === "unavailable") throw unavailable();
	if (row.outcome === "currency_mismatch")
		throw new ApiError(
			"CURRENCY_MISMATCH",
			"This cart holds items in another currency",
			{ cartCurrency: row.cart_currency },
		);
	if (row.outcome === "quantity_limit")
		throw new ApiError(
			"QUANTITY_LIMIT",
			`A cart line holds at most ${MAX_LINE_QUANTITY}`,
			{ max: MAX_LINE_QUANTITY, inCart: row.in_cart },
		);
	if (row.outcome === "cart_full")
		throw new ApiError(
			"CART_FULL",
			`A cart holds at most ${MAX_CART_LINES} different items`,
			{ maxLines: MAX_CART_LINES },
		);
	// "ok" but not written: a concurrent add took the stock first (the upsert re-checked it).
	if (row.outcome === "out_of_stock" || !row.written)
		throw new ApiError("OUT_OF_STOCK", "Not enough stock for this quantity", {
			available: row.available ?? 0,
			inCart: row.in_cart ?? 0,
		});
	return toCart(read.rows);
}

/** Sets a line's quantity (0 removes it) and returns the cart, in ONE round trip. */
export async function setItemQuantity(
	db: Db,
	p: { owner: CartOwner; itemId: string; quantity: number },
): Promise<Cart> {
	if (p.quantity === 0) {
		const { removed, read } = await batch(db, {
			removed: db.execute<{ removed: number }>(
				removeItemsSql(p.owner, p.itemId),
			),
			read: db.execute<CartRow>(cartViewSql(p.owner)),
		});
		if (!removed.rows[0]?.removed) throw itemNotFound();
		return toCart(read.rows);
	}
	const { written, read } = await batch(db, {
		written: db.execute<SetQuantityRow>(setQuantitySql(p)),
		read: db.execute<CartRow>(cartViewSql(p.owner)),
	});
	const row = written.rows[0];
	if (!row?.found) throw itemNotFound();
	if (row.outcome === "unavailable") throw unavailable();
	if (row.outcome === "currency_mismatch")
		throw new ApiError(
			"CURRENCY_MISMATCH",
			"The product is now sold in another currency; remove the line and add it again",
		);
	if (!row.written)
		throw new ApiError("OUT_OF_STOCK", "Not enough stock for this quantity", {
			available: row.available ?? 0,
		});
	return toCart(read.rows);
}

/** Removes one line of the owner's cart: one round trip; false when it is not there. */
export async function removeItem(
	db: Db,
	p: { owner: CartOwner; itemId: string },
): Promise<boolean> {
	const { rows } = await db.execute<{ removed: number }>(
		removeItemsSql(p.owner, p.itemId),
	);
	return (rows[0]?.removed ?? 0) > 0;
}

/** Empties the owner's cart (the cart itself stays): one round trip, idempotent. */
export async function clearCart(
	db: Db,
	params: { owner: CartOwner },
): Promise<void> {
	await db.execute(removeItemsSql(params.owner));
}
