/**
 * Declared access lists (docs/design.md §5): storage-slot math, the `@custom:reads` / `@custom:writes`
 * annotation language, manifests, run-time declarations, EIP-2930 access lists and slot decoding.
 * No Hardhat dependency.
 */
export * from "./layout.ts";
export * from "./slots.ts";
export * from "./errors.ts";
export * from "./parse.ts";
export * from "./pattern.ts";
export * from "./key-functions.ts";
export * from "./resolve.ts";
export * from "./instantiate.ts";
export * from "./natspec.ts";
export * from "./manifest.ts";
export * from "./solc-output.ts";
export * from "./runtime.ts";
export * from "./access-list.ts";
export * from "./decode.ts";
export * from "./expression.ts";
