// The browser lab's benchmark (run by `cargo xtask bench`; not a test): time from
// navigation to the first animated message, the median frame interval over 10 s of
// playing the scenario with the most records, and the time from an edit of the happy
// path to its new timeline painted (target ≤ 100 ms). Prints one `bench:` line per
// figure.
// Environment as for lab.test.mjs: IKELAB_URL, CHROMIUM.
import { chromium } from 'playwright-core';

const url = process.env.IKELAB_URL;
const executablePath = process.env.CHROMIUM;
if (!url || !executablePath) throw new Error('run through cargo xtask bench');

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Time to the first animated message: navigation start to the first travelling packet,
// Play pressed as soon as it exists (median of 5 fresh pages).
const firsts = [];
for (let i = 0; i < 5; i += 1) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${url}#s=happy-path&seed=7&step=0`, { waitUntil: 'commit' });
  await page.locator('#play').click({ timeout: 20000 });
  await page.locator('.packet').first().waitFor({ timeout: 20000 });
  firsts.push(await page.evaluate(() => performance.now()));
  await page.close();
}
console.log(`bench: first animated message ${median(firsts).toFixed(0)} ms after navigation (median of 5: ${firsts.map((t) => t.toFixed(0)).join(', ')})`);

// The scenario with the most records.
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(url, { waitUntil: 'load' });
await page.locator('#step-counter').waitFor({ timeout: 20000 });
const names = await page.locator('#scenario option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
let largest = { name: '', records: -1 };
for (const name of names) {
  await page.goto(`${url}#s=${name}&step=0`);
  await page.reload({ waitUntil: 'load' });
  await page.locator('#step-counter').waitFor({ timeout: 20000 });
  const records = Number(await page.locator('#trace-sha256').getAttribute('data-records'));
  if (records > largest.records) largest = { name, records };
}
await page.goto(`${url}#s=${largest.name}&step=0`);
await page.reload({ waitUntil: 'load' });
await page.locator('#step-counter').waitFor({ timeout: 20000 });
await page.locator('#play').click();
const frames = await page.evaluate(() => new Promise((resolve) => {
  const stamps = [];
  const tick = (t) => {
    stamps.push(t);
    if (t - stamps[0] < 10000) requestAnimationFrame(tick); else resolve(stamps);
  };
  requestAnimationFrame(tick);
}));
const gaps = frames.slice(1).map((t, i) => t - frames[i]);
console.log(`bench: median frame interval ${median(gaps).toFixed(1)} ms over 10 s playing ${largest.name} (${largest.records} records; ${gaps.length} frames, worst ${Math.max(...gaps).toFixed(0)} ms)`);
await page.close();

// From an edit to the new run painted: the happy path's latency changed in the editor
// (a `change` event, as leaving the field gives), until the footer names the new
// trace and two animation frames have passed (the first paints it). Median of 20.
const editor = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await editor.goto(`${url}#s=happy-path&seed=7&step=0&tab=edit`, { waitUntil: 'load' });
await editor.locator('#edit-toml').waitFor({ timeout: 20000 });
const edits = await editor.evaluate(async () => {
  const field = () => document.querySelector('.edit-field[data-path="network.link.latency"] input');
  const sha = () => document.querySelector('#trace-sha256').dataset.sha256;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const times = [];
  for (let i = 0; i < 20; i += 1) {
    const before = sha();
    const start = performance.now();
    const input = field();
    input.value = `${11 + (i % 2)}ms`;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    while (sha() === before) await frame();
    await frame();
    await frame();
    times.push(performance.now() - start);
  }
  return times;
});
console.log(`bench: edit to new timeline painted ${median(edits).toFixed(0)} ms (median of 20 edits of the happy path, target ≤ 100 ms; worst ${Math.max(...edits).toFixed(0)} ms)`);
await browser.close();
