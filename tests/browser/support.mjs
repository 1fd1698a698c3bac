// What every browser test file shares: the environment `cargo xtask test --layer
// browser` passes, one headless Chromium per file, and a page opened with `openLab`
// that records console errors and every request, checked by `assertClean`: no
// console error, no failed request and no request to another host, in any test.
//
//   IKELAB_URL             the page's URL (under a sub-path: every URL must be relative)
//   IKELAB_ENGINE_VERSION  the engine version the footer must show
//   IKELAB_ARTIFACTS       where screenshots and downloads go
//   IKELAB_TRACES          assets/traces/ (the golden traces)
//   IKELAB_CLI_TRACE       `ikelab sim happy-path --seed 7 --trace` written by the CLI
//   IKELAB_BIN             the `ikelab` binary (the CLI a saved scenario is played with)
//   CHROMIUM               the browser executable
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run these tests through cargo xtask test --layer browser`);
  return value;
};

export const url = env('IKELAB_URL');
export const artifacts = env('IKELAB_ARTIFACTS');
const origin = new URL(url).origin;
export const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: env('CHROMIUM'),
    // As root Chromium needs --no-sandbox; the rest keep the browser itself from
    // contacting any host (TOOLCHAIN.md).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
});

/** Opens the lab (at `fragment`) in a fresh page, recording console errors and requests. */
export async function openLab(fragment = '', viewport = { width: 1280, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const log = { consoleErrors: [], requests: [], failedRequests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => log.consoleErrors.push(String(err)));
  page.on('request', (req) => log.requests.push(req.url()));
  page.on('requestfailed', (req) => log.failedRequests.push(`${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) log.failedRequests.push(`${res.url()} HTTP ${res.status()}`);
  });
  await page.goto(url + fragment, { waitUntil: 'load' });
  await page.locator('#step-counter').waitFor({ timeout: 20000 });
  return { page, context, log };
}

/** No console error, no failed request, nothing asked of another host. */
export async function assertClean({ page, context, log }) {
  assert.deepEqual(log.consoleErrors, [], 'console errors');
  // A download's blob: URL is the page's own.
  assert.deepEqual(log.failedRequests.filter((r) => !r.startsWith('blob:')), [], 'failed requests');
  const foreign = log.requests.filter((r) => !r.startsWith('data:') && !r.startsWith('blob:') && new URL(r).origin !== origin);
  assert.deepEqual(foreign, [], 'requests to another host');
  await page.close();
  await context.close();
}

/** axe-core's serious and critical violations on the page as it is. */
export async function axeViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
}

/** SHA-256 of a trace file's JSON text (the CLI writes `Trace::to_json()` and a newline). */
export const jsonHash = (text) => createHash('sha256').update(text.replace(/\n$/, '')).digest('hex');

export const stepOf = async (page) => Number(await page.locator('#step-counter').getAttribute('data-step'));
export const stepsOf = async (page) => Number(await page.locator('#step-counter').getAttribute('data-steps'));
export const inspected = async (page) => page.locator('section.inspector').getAttribute('data-record');

/** Clicks the event-list line whose text matches, and returns its record. */
export async function jumpTo(page, text) {
  const line = page.locator('.event-line', { hasText: text }).first();
  await line.locator('button').click();
  return line.getAttribute('data-record');
}
