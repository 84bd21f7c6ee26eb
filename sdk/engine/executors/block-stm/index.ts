/**
 * Registers the `block-stm` executor with the engine (`Chain.create({ executor: "block-stm" })`).
 * Import this module for its side effect; it also re-exports the executor for direct use.
 */
import { registerExecutor } from "../../chain.ts";
import { BlockStmExecutor } from "./executor.ts";

export { BlockStmExecutor, workerExecArgv, type BlockStmOptions, type BlockStmTestHooks } from "./executor.ts";

// Lanes start with the first block that runs in parallel (automined blocks fall back to
// sequential), so connections that never batch transactions never start a thread.
registerExecutor("block-stm", async (_name, chain) => new BlockStmExecutor(chain));
