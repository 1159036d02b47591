export * from "./addresses";
export * from "./auth";
export * from "./catalog";
export * from "./emails";
export * from "./users";
