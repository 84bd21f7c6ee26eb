/**
 * Root hook plugin for mocha's parallel mode (`test.mocha.parallel: true`): the config hook adds
 * this file to `test.mocha.require`, so every worker loads it and attributes its blocks to tests;
 * each worker writes its recordings to the directory the main process names in
 * `HARDHAT_PARALLEL_REPORT_WORKER_DIR` (see `collector.ts`).
 *
 * Mocha docs: "Root Hook Plugins" — a required module exporting `mochaHooks`.
 */
import { createRootHooks } from "./collector.ts";

export const mochaHooks = createRootHooks(undefined, true);
