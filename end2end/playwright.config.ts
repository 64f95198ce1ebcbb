// Playwright for Herald's console: Debian Chromium (browser downloads cannot work here),
// one project with JavaScript and one without. The server is started by scripts/test.
import { defineConfig } from '@playwright/test';

const chromium = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL: process.env.HERALD_E2E_URL || 'http://127.0.0.1:3000',
    launchOptions: chromium,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'js', testIgnore: /nojs\..*/ },
    { name: 'nojs', testMatch: /nojs\..*/, use: { javaScriptEnabled: false } },
  ],
});
