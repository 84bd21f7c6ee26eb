/**
 * The `declared` executor for direct use (the engine finds it in the executor table,
 * `../index.ts`: `Chain.create({ executor: "declared" })`).
 */
export { DeclaredExecutor, type DeclaredOptions } from "./executor.ts";
