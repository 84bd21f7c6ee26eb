#!/usr/bin/env node
// @ts-check
/**
 * Entry point of the `hardhat-parallel` bin. Plain JavaScript so that it runs from an installed
 * package under plain Node (Node does not strip types below node_modules). Checks the Node
 * version before loading anything else, then runs `main.js`.
 */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `hardhat-parallel: error: Node ${process.versions.node} is too old; Hardhat 3 and hardhat-parallel need Node >= 22.13.\n` +
      `To fix: install Node 22.13 or newer (e.g. from https://nodejs.org, or with nvm: \`nvm install 22\`) and run the command again.\n`,
  );
  process.exit(1);
}

const { main } = await import("./main.js");
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(
    `hardhat-parallel: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` +
      `This is a bug; please report it with the command you ran.\n`,
  );
  process.exitCode = 1;
}
