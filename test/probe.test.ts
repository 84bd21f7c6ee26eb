import { network } from "hardhat";
import { expect } from "chai";
describe("probe", () => {
  it("works on edr", async () => {
    const { viem } = await network.create();
    const p = await viem.deployContract("Probe");
    await p.write.set([5n]);
    expect(await p.read.x()).to.equal(5n);
  });
});
