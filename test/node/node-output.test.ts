/**
 * What `hardhat parallel-node` prints (`plugins/tasks/node-output.ts`): the request log's lines
 * as EDR's logger writes them (repeats replace the last line, unsupported methods, failed
 * requests with their message, silent -32602 and `hardhat_setLoggingEnabled`), and the accounts
 * block without keys for accounts that are not Hardhat's public defaults. The default accounts'
 * block is compared with `hardhat node`'s own output in `parallel-node.test.ts`.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { privateKeyToAddress } from "viem/accounts";
import type { AnsweredRequest } from "../../sdk/rpc/http-server.ts";
import { createRequestPrinter, formatAccounts } from "../../plugins/tasks/node-output.ts";

const ok = (method: string, params: unknown[] = []): AnsweredRequest => ({
  method,
  params,
  response: { jsonrpc: "2.0", id: 1, result: "0x1" },
});
const failed = (method: string, code: number, message: string): AnsweredRequest => ({
  method,
  params: [],
  response: { jsonrpc: "2.0", id: 1, error: { code, message } },
});

describe("parallel-node output", function () {
  it("logs requests as EDR's logger does", function () {
    const lines: Array<[string, boolean]> = [];
    const print = createRequestPrinter((line, replace) => lines.push([line, replace]));
    for (const answered of [
      ok("eth_chainId"),
      ok("eth_chainId"),
      ok("eth_chainId"),
      ok("eth_blockNumber"),
      failed("eth_getBalance", -32602, "Invalid params: address"),
      ok("eth_blockNumber"),
      failed("foo_bar", -32601, "Method foo_bar is not supported"),
      ok("eth_blockNumber"),
      failed("eth_call", 3, "reverted with reason string 'no'"),
      ok("hardhat_setLoggingEnabled", [false]),
      ok("eth_chainId"),
      ok("hardhat_setLoggingEnabled", [true]),
      ok("eth_chainId"),
    ])
      print(answered);
    assert.deepEqual(lines, [
      ["eth_chainId", false],
      ["eth_chainId (2)", true],
      ["eth_chainId (3)", true],
      ["eth_blockNumber", false],
      // A -32602 request is not printed and does not end the run of repeats.
      ["eth_blockNumber (2)", true],
      ["foo_bar - Method not supported", false],
      ["eth_blockNumber", false],
      ["eth_call", false],
      ["", false],
      ["  reverted with reason string 'no'", false],
      ["", false],
      ["eth_chainId", false],
    ]);
  });

  it("prints addresses and whole-ether balances but no keys for non-default accounts", function () {
    const key = `0x${"11".repeat(32)}` as const;
    const address = privateKeyToAddress(key).toLowerCase() as `0x${string}`;
    const text = formatAccounts([{ address, privateKey: key, balance: 15n * 10n ** 17n }], false);
    assert.equal(text, `Accounts\n========\nAccount #0: ${address} (1 ETH)\n`);
    assert.ok(!text.includes(key.slice(2)));
    assert.equal(formatAccounts([], false), "");
  });
});
