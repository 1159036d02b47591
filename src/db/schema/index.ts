export * from "./addresses";
export * from "./auth";
export * from "./emails";
export * from "./users";
