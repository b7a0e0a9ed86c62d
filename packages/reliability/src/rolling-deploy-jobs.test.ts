import { describe, expect, it } from "vitest";
import { rollingDeployArgs, rollingDeployVersions, shapeViolation } from "./rolling-deploy-jobs.js";

// The rolling-deploy run relies on this check to see a payload run by code that does not know its shape.
describe("rolling-deploy job shapes", () => {
  for (const payload of rollingDeployVersions) {
    for (const worker of rollingDeployVersions) {
      it(`a v${payload} payload ${payload === worker ? "passes" : "is a violation"} on the v${worker} worker's check`, () => {
        const violation = shapeViolation(worker, rollingDeployArgs(payload, 7));
        if (payload === worker) expect(violation).toBeUndefined();
        else expect(violation).toMatch(new RegExp(`^version ${worker} expects`));
      });
    }
  }

  it("ignores key order (jsonb reorders keys) but not a changed value or an extra key", () => {
    expect(shapeViolation(3, { currency: "EUR", n: 7, customer: { id: "c-7" } })).toBeUndefined();
    expect(shapeViolation(2, { n: 7, customer: { id: 7 } })).toMatch(/expects/);
    expect(shapeViolation(1, { n: 7, customer: "c-7", extra: true })).toMatch(/expects/);
    expect(shapeViolation(1, null)).toMatch(/not \{ n: number/);
  });
});
