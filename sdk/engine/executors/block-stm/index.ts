/**
 * Registers the `block-stm` executor with the engine (`Chain.create({ executor: "block-stm" })`).
 * Import this module for its side effect; it also re-exports the executor for direct use.
 */
import { registerExecutor } from "../../chain.ts";
import { BlockStmExecutor } from "./executor.ts";

export { BlockStmExecutor, workerExecArgv, type BlockStmOptions, type BlockStmTestHooks } from "./executor.ts";

registerExecutor("block-stm", async (_name, chain) => {
  const executor = new BlockStmExecutor(chain);
  await executor.start();
  return executor;
});
