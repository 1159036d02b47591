export * from "./catalog";
export * from "./emails";
export * from "./users";
