export * from "./addresses";
export * from "./auth";
export * from "./cart";
export * from "./catalog";
export * from "./emails";
export * from "./fulfillments";
export * from "./orders";
export * from "./users";
