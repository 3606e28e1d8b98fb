import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start local servers on ephemeral ports; files run in parallel, tests in a file in order.
    pool: "forks",
  },
});
