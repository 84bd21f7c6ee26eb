/**
 * hardhat-parallel: the Hardhat 3 plugin. Adds the `parallel` network (an @ethereumjs/vm dev
 * chain executed with Block-STM) and the `parallel` config section.
 *
 * @example
 * ```ts
 * import hardhatParallel from "hardhat-parallel";
 * export default defineConfig({ plugins: [hardhatParallel], parallel: { lanes: 2 } });
 * ```
 */
import type { HardhatPlugin } from "hardhat/types/plugins";
import "./type-extensions.ts";

const hardhatParallel: HardhatPlugin = {
  id: "hardhat-parallel",
  hookHandlers: {
    config: () => import("./hooks/config.ts"),
    network: () => import("./hooks/network.ts"),
  },
  npmPackage: "hardhat-parallel",
};

export default hardhatParallel;
