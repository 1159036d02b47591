export * from "./addresses";
export * from "./auth";
export * from "./users";
