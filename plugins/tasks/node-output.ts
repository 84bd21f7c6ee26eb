/**
 * What `hardhat parallel-node` prints, in `hardhat node`'s format (Hardhat 3.18,
 * `builtin-plugins/node/helpers.ts` for the accounts, EDR's logger for the methods).
 */
import { styleText } from "node:util";
import { formatEther } from "viem";
import type { DevAccount } from "../../sdk/engine/accounts.ts";
import type { AnsweredRequest } from "../../sdk/rpc/http-server.ts";

const WARNING =
  "WARNING: Funds sent on live network to accounts with publicly known private keys WILL BE LOST.";

/**
 * The accounts block `hardhat node` prints: `Account #i: <address> (<whole ETH> ETH)` per
 * account, and — only for Hardhat's default mnemonic accounts, whose keys are public — each
 * private key, between two warnings. Empty when there are no accounts.
 *
 * @param accounts the dev accounts with their initial balances (wei).
 * @param publicKeys whether they are Hardhat's default accounts (print the keys and warnings).
 */
export function formatAccounts(accounts: readonly DevAccount[], publicKeys: boolean): string {
  if (accounts.length === 0) return "";
  const lines = ["Accounts", "========"];
  const warning = styleText("bold", WARNING);
  if (publicKeys) lines.push("", warning, "");
  const keyPrefix = "Private Key:";
  const accountPrefix = (i: number) => `Account #${i}:`;
  let width = accountPrefix(accounts.length - 1).length;
  if (publicKeys) width = Math.max(width, keyPrefix.length);
  for (const [i, account] of accounts.entries()) {
    // Whole ether, rounded down, as Hardhat prints it.
    const ether = formatEther(account.balance - (account.balance % 10n ** 18n));
    lines.push(`${accountPrefix(i).padEnd(width)} ${account.address} (${ether} ETH)`);
    if (publicKeys) lines.push(`${keyPrefix.padEnd(width)} ${account.privateKey}`);
    lines.push("");
  }
  if (publicKeys) lines.push(warning, "");
  return lines.join("\n");
}

/**
 * A printer of answered requests, as `hardhat node` logs them (EDR's logger,
 * `crates/edr_napi_core/src/logger.rs`): each method in green; the same method again right
 * after itself as `method (2)`, `method (3)`… replacing the previous line; a method the network
 * does not serve (-32601) in red as `method - Method not supported`; a failed request as its
 * method in red, then its error message indented between empty lines. Requests refused for
 * their parameters (-32602) are not printed: EDR rejects them before its logger sees them.
 * `hardhat_setLoggingEnabled` turns the printing off and on and is not printed itself, as on
 * EDR's node.
 *
 * EDR also prints each transaction's and call's details (contract and function, from, to, value,
 * gas used, block, console.log output in an indented block); this printer does not (README,
 * "Using the node"): console.log lines are printed by the provider as plain lines, as EDR prints
 * them with its logger off (`sdk/rpc/observers.ts`).
 *
 * @param write receives one line at a time (without its newline); `replace` asks to overwrite
 *   the last line written (a repeated method).
 */
export function createRequestPrinter(
  write: (line: string, replace: boolean) => void,
): (answered: AnsweredRequest) => void {
  let enabled = true;
  let last: string | undefined;
  let repeats = 0;
  return ({ method, params, response }) => {
    if (method === "hardhat_setLoggingEnabled") {
      if (response.error === undefined) enabled = params[0] === true;
      return;
    }
    if (!enabled) return;
    const error = response.error;
    if (error?.code === -32602) return;
    if (error !== undefined) {
      last = undefined;
      if (error.code === -32601) write(styleText("red", `${method} - Method not supported`), false);
      else {
        write(styleText("red", method), false);
        write("", false);
        for (const line of error.message.split("\n")) write(`  ${line}`, false);
        write("", false);
      }
      return;
    }
    if (method === last) {
      repeats += 1;
      write(styleText("green", `${method} (${repeats})`), true);
    } else {
      last = method;
      repeats = 1;
      write(styleText("green", method), false);
    }
  };
}

/**
 * Writes a line to stdout, or overwrites the last one when `replace` is set and stdout is a
 * terminal (cursor to the previous line, the line, erase to its end); elsewhere a replacement
 * is a new line, as in Hardhat's node.
 */
export function writeLine(line: string, replace: boolean): void {
  if (replace && process.stdout.isTTY === true)
    process.stdout.write(`\u001B[?25l\u001B[F${line}\u001B[K\n\u001B[?25h`);
  else process.stdout.write(`${line}\n`);
}
