/**
 * Registers the `declared` executor with the engine (`Chain.create({ executor: "declared" })`).
 * Import this module for its side effect; it also re-exports the executor for direct use.
 */
import { registerExecutor } from "../../chain.ts";
import { DeclaredExecutor } from "./executor.ts";

export { DeclaredExecutor, type DeclaredOptions } from "./executor.ts";

// Lanes start with the first block that runs in parallel, as for block-stm.
registerExecutor("declared", async (_name, chain) => new DeclaredExecutor(chain));
