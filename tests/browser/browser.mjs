// Launches Debian's Chromium under playwright-core the way every browser test
// here needs it: headless, no sandbox (tests run as root), and none of the
// background connections a closed network refuses.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CLOISTER_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cloister-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },  // a laptop screen
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// Saves a full-page screenshot as a test artifact: ARTIFACTS/NAME.png.
export async function screenshot(page, artifacts, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

// Every console answer is checked by the tests for secrets: record them.
export function recordResponses(page) {
  const seen = [];
  page.on('response', async (response) => {
    try {
      seen.push({ url: response.url(), body: await response.text() });
    } catch {
      // a redirect or an aborted load has no body
    }
  });
  return seen;
}
