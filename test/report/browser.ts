import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The system's Chromium (Debian's `chromium`, or Google Chrome on Ubuntu runners); WGLAB_CHROMIUM wins. */
export function findChromium(): string {
  const candidates = process.env.WGLAB_CHROMIUM
    ? [process.env.WGLAB_CHROMIUM]
    : ['chromium', 'google-chrome-stable', 'google-chrome', 'chromium-browser'];
  for (const candidate of candidates) {
    const paths = candidate.includes('/')
      ? [candidate]
      : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, candidate));
    for (const path of paths) {
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // next
      }
    }
  }
  throw new Error(
    "no Chromium found: run `npm run setup:host` as root (installs Debian's chromium), or set WGLAB_CHROMIUM=/path/to/chromium",
  );
}

export interface OpenedReport extends AsyncDisposable {
  page: Page;
  /** Every URL the page asked for, the report itself included. */
  requests: string[];
}

/** Opens a report.html in headless Chromium with no network of its own, recording every request it makes. */
export async function openReport(file: string): Promise<OpenedReport> {
  const browser: Browser = await chromium.launch({
    executablePath: findChromium(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, requests, [Symbol.asyncDispose]: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
