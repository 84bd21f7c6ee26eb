/**
 * The `block-stm` executor for direct use (the engine finds it in the executor table,
 * `../index.ts`: `Chain.create({ executor: "block-stm" })`).
 */
export {
  BlockStmExecutor,
  workerExecArgv,
  type BlockStmOptions,
  type BlockStmTestHooks,
} from "./executor.ts";
