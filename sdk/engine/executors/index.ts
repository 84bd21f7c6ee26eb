/**
 * The executor table: every executor the engine can run, by name, with its factory.
 * `Chain.create({ executor })` and `Chain.createExecutor(name)` look executors up here; no
 * executor registers itself on import.
 * @example
 * const executor = executors["block-stm"](chain); // what Chain.createExecutor("block-stm") returns
 */
import type { Chain } from "../chain.ts";
import type { BlockExecutor } from "../executor.ts";
import type { ExecutorName } from "../options.ts";
import { BlockStmExecutor } from "./block-stm/executor.ts";
import { DeclaredExecutor } from "./declared/executor.ts";
import { SequentialExecutor } from "./sequential.ts";

/** Creates an executor for `chain`, with the chain's options as its defaults. */
export type ExecutorFactory = (chain: Chain) => BlockExecutor;

/** Every executor by its {@link ExecutorName}. */
export const executors: { readonly [name in ExecutorName]: ExecutorFactory } = {
  sequential: (chain) => new SequentialExecutor(chain.lane),
  // The parallel executors start their lanes with the first block that runs in parallel
  // (automined blocks fall back to sequential), so connections that never batch transactions
  // never start a thread.
  "block-stm": (chain) => new BlockStmExecutor(chain),
  declared: (chain) => new DeclaredExecutor(chain),
};

/** The factory of `name`, or undefined when no executor has that name. */
export function executorFactory(name: string): ExecutorFactory | undefined {
  return Object.hasOwn(executors, name) ? executors[name as ExecutorName] : undefined;
}
