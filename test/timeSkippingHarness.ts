// One time-skipping environment with a worker for the test file that calls it: started before its tests, its open
// cases ended after each test, stopped after the file. Vitest hooks, so kept out of helpers.ts (benchmarks import it).
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTimeSkippingEnv, startHarness, type Harness } from './helpers.js';

export function useTimeSkippingHarness(): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(await createTimeSkippingEnv());
  }, 60_000);
  afterEach(async () => {
    await h?.terminateOpen();
  });
  afterAll(async () => {
    await h?.stop();
  });
  return () => h!;
}
