/**
 * Senders with code: EDR runs every transaction and call with EIP-3607 switched off
 * (`disable_eip3607` in `edr_provider`'s EVM config), so an impersonated contract, or a dev
 * account given code with `hardhat_setCode`, can send transactions. `@ethereumjs/vm` 10's
 * `runTx` has no such switch: it rejects a sender whose account has a code hash other than the
 * empty one (unless the code is an EIP-7702 delegation). {@link allowSenderWithCode} lets the
 * sender through that one check and nothing else. It relies on the order of `runTx`'s reads
 * (`@ethereumjs/vm` 10.1.3); the EDR differential scenario "an impersonated contract and a dev
 * account with code send transactions" fails if an upgrade changes it.
 */
import type { Account, Address } from "@ethereumjs/util";
import { KECCAK256_NULL } from "@ethereumjs/util";

/** A state manager whose `getAccount` may be wrapped for one read. */
interface AccountSource {
  getAccount(address: Address): Promise<Account | undefined>;
}

/**
 * Makes the next `getAccount(sender)` on `state` return the sender's account with its code
 * hash reading as empty ONCE. `runTx` reads the sender's account first of all accounts and
 * reads its `codeHash` first in the EIP-3607 check; every later read (the EVM's EXTCODEHASH,
 * `putAccount`, which copies the stored field, not the getter) sees the real code hash.
 * Call it just before `runTx`, and the returned function after it (it removes the wrapper when
 * `runTx` threw before reading the sender's account).
 * @param sender lowercase address
 * @returns a function that removes the wrapper if it is still in place
 */
export function allowSenderWithCode(state: AccountSource, sender: string): () => void {
  const own = Object.hasOwn(state, "getAccount");
  const original = state.getAccount;
  const wrapped = async (address: Address): Promise<Account | undefined> => {
    if (address.toString() !== sender) return original.call(state, address);
    restore();
    const account = await original.call(state, address);
    if (account !== undefined) hideCodeHashOnce(account);
    return account;
  };
  const restore = () => {
    if (state.getAccount !== wrapped) return;
    if (own) state.getAccount = original;
    else delete (state as Partial<AccountSource>).getAccount;
  };
  state.getAccount = wrapped;
  return restore;
}

/** The next read of `account.codeHash` answers the empty code's hash; later reads the real one. */
function hideCodeHashOnce(account: Account): void {
  Object.defineProperty(account, "codeHash", {
    configurable: true,
    get() {
      delete (account as { codeHash?: Uint8Array }).codeHash;
      return KECCAK256_NULL;
    },
    set(value: Uint8Array) {
      delete (account as { codeHash?: Uint8Array }).codeHash;
      account.codeHash = value;
    },
  });
}
