/**
 * zod schema of the `parallel` config section (validated with Hardhat's zod utilities, so a bad
 * value fails with Hardhat's config error naming the field).
 */
import { sensitiveUrlSchema } from "@nomicfoundation/hardhat-zod-utils";
import { z } from "zod";
import { HARDFORKS } from "../../sdk/engine/options.ts";
import { REPORT_COLUMNS } from "../report/types.ts";

const bigintLike = z.union([z.bigint().nonnegative(), z.number().int().nonnegative()], {
  errorMap: () => ({ message: "Expected a non-negative integer (number or bigint)" }),
});
const hex = (bytes: number) =>
  z
    .string()
    .regex(
      new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`),
      `Expected a ${bytes}-byte 0x-prefixed hex string`,
    );

export const parallelOptionsSchema = z
  .object({
    chainId: z.number().int().positive().optional(),
    hardfork: z.enum(HARDFORKS).optional(),
    accounts: z
      .union([
        z
          .object({
            mnemonic: z.string().optional(),
            path: z.string().optional(),
            count: z.number().int().positive().max(10_000).optional(),
            balance: bigintLike.optional(),
          })
          .strict(),
        z
          .object({
            privateKeys: z.array(z.object({ privateKey: hex(32), balance: bigintLike }).strict()),
          })
          .strict(),
      ])
      .optional(),
    blockGasLimit: bigintLike.optional(),
    initialBaseFeePerGas: bigintLike.optional(),
    coinbase: hex(20).optional(),
    initialDate: z.union([z.date(), z.string().datetime({ offset: true })]).optional(),
    mining: z
      .object({ auto: z.boolean().optional(), interval: z.number().int().nonnegative().optional() })
      .strict()
      .optional(),
    executor: z.enum(["sequential", "block-stm", "declared"]).optional(),
    lanes: z.number().int().min(1).max(64).optional(),
    fallback: z
      .object({
        minTransactions: z.number().int().nonnegative().optional(),
        minGas: bigintLike.optional(),
        minPredictedSpeedup: z.number().min(0).optional(),
        maxAbortShare: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    workerTimeout: z.number().int().positive().optional(),
    strict: z.boolean().optional(),
    callGasLimit: bigintLike.optional(),
    allowUnlimitedContractSize: z.boolean().optional(),
    forking: z
      .object({
        url: sensitiveUrlSchema,
        blockNumber: bigintLike.optional(),
        httpHeaders: z.record(z.string(), z.string()).optional(),
        enabled: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** `parallel.report` (see `plugins/report/config.ts`). */
export const reportOptionsSchema = z
  .object({
    enabled: z.boolean().optional(),
    columns: z.array(z.enum(REPORT_COLUMNS)).optional(),
    json: z.union([z.string().min(1), z.literal(false)]).optional(),
    markdown: z.union([z.string().min(1), z.literal(false)]).optional(),
    html: z.union([z.string().min(1), z.literal(false)]).optional(),
    snapshot: z.string().min(1).optional(),
    tolerance: z
      .object({
        contention: z.number().min(0).max(1).optional(),
        parallelism: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
    hotLocations: z.number().int().nonnegative().optional(),
  })
  .strict();

export const userConfigSchema = z.object({
  parallel: parallelOptionsSchema.extend({ report: reportOptionsSchema.optional() }).optional(),
  networks: z
    .record(
      z.string(),
      z
        .object({ parallel: z.union([z.boolean(), parallelOptionsSchema]).optional() })
        .passthrough(),
    )
    .optional(),
});
