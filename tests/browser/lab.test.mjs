// The browser lab in real headless Chromium (Debian's), driven by playwright-core.
//
// Run by `cargo xtask test --layer browser`, which builds the site, serves it under a
// sub-path on 127.0.0.1 and passes:
//   IKELAB_URL             the page's URL (under a sub-path: every URL must be relative)
//   IKELAB_ENGINE_VERSION  the engine version the footer must show
//   IKELAB_ARTIFACTS       where screenshots go
//   CHROMIUM               the browser executable
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run these tests through cargo xtask test --layer browser`);
  return value;
};

const url = env('IKELAB_URL');
const engineVersion = env('IKELAB_ENGINE_VERSION');
const artifacts = env('IKELAB_ARTIFACTS');
const origin = new URL(url).origin;

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
});

after(async () => {
  await browser?.close();
});

/** Opens the lab in a fresh page, recording console errors and every request. */
async function openLab() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleErrors = [];
  const requests = [];
  const failedRequests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  page.on('request', (req) => requests.push(req.url()));
  page.on('requestfailed', (req) => failedRequests.push(`${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.url()} HTTP ${res.status()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requests, failedRequests };
}

test('the WASM loads and the footer shows the engine version', async () => {
  const { page, consoleErrors, failedRequests } = await openLab();
  // The footer is rendered by Yew from ikelab_engine::VERSION compiled into the WASM,
  // so seeing it proves the module was fetched, instantiated and ran.
  const version = page.locator('#engine-version');
  await version.waitFor({ timeout: 15000 });
  assert.equal(await version.textContent(), engineVersion);
  assert.equal(await page.locator('h1').textContent(), 'IKElab');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'lab.png'), fullPage: true });
  assert.deepEqual(failedRequests, []);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('the timeline shows two empty lanes, one per peer', async () => {
  const { page } = await openLab();
  await page.locator('#engine-version').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('[data-lane]').count(), 2);
  assert.equal(await page.locator('[data-lane="initiator"] h2').textContent(), 'Initiator');
  assert.equal(await page.locator('[data-lane="responder"] h2').textContent(), 'Responder');
  await page.close();
});

test('the page requests nothing from any host but the local server', async () => {
  const { page, requests } = await openLab();
  await page.locator('#engine-version').waitFor({ timeout: 15000 });
  await page.waitForLoadState('networkidle');
  assert.ok(requests.length >= 3, `expected the page, its JS and its WASM, saw ${requests.join(', ')}`);
  const foreign = requests.filter((r) => new URL(r).origin !== origin);
  assert.deepEqual(foreign, []);
  const prefix = new URL(url).pathname;
  const outside = requests.filter((r) => !new URL(r).pathname.startsWith(prefix));
  assert.deepEqual(outside, [], 'every URL is relative to the page, so all stay under its sub-path');
  await page.close();
});
