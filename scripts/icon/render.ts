/**
 * Renders scripts/icon/icon.svg to media/icon.png (128x128, the Marketplace and Open VSX icon) with the
 * Chromium the tests use: `npx tsx scripts/icon/render.ts`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium } from 'playwright-core';

async function main(): Promise<void> {
  const svg = fs.readFileSync(path.join(__dirname, 'icon.svg'), 'utf8');
  const out = path.join(__dirname, '../../media/icon.png');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: out, omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
