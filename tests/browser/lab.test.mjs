// The browser lab in real headless Chromium (Debian's), driven by playwright-core:
// part 1, the player (scenarios, timeline, inspector, trace files). The environment
// and the shared helpers are in support.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifacts, assertClean, axeViolations, env, inspected, jsonHash, jumpTo, openLab, stepOf, stepsOf, url,
} from './support.mjs';

const engineVersion = env('IKELAB_ENGINE_VERSION');
const traces = env('IKELAB_TRACES');
const cliTrace = env('IKELAB_CLI_TRACE');

test('the WASM loads, the footer shows the engine version and the page asks no other host', async () => {
  const lab = await openLab();
  const { page, log } = lab;
  assert.equal(await page.locator('#engine-version').textContent(), engineVersion);
  assert.equal(await page.locator('h1').textContent(), 'IKElab');
  await page.waitForLoadState('networkidle');
  assert.ok(log.requests.length >= 3, `expected the page, its JS and its WASM, saw ${log.requests.join(', ')}`);
  assert.ok(log.requests.some((r) => r.endsWith('/pkg/ikelab_web_bg.wasm')), log.requests.join(', '));
  assert.ok(!log.requests.some((r) => r.includes('ikelab_web_full')), 'no trace reader on a first visit');
  const prefix = new URL(url).pathname;
  const outside = log.requests.filter((r) => !new URL(r).pathname.startsWith(prefix));
  assert.deepEqual(outside, [], 'every URL is relative to the page, so all stay under its sub-path');
  await assertClean(lab);
});

test('the happy path with seed 7 hashes like `ikelab sim happy-path --seed 7 --trace`', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=0');
  const expected = jsonHash(readFileSync(cliTrace, 'utf8'));
  assert.equal(await lab.page.locator('#trace-sha256').getAttribute('data-sha256'), expected);
  await assertClean(lab);
});

test('the happy path plays to the end and shows both SAs established', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  assert.equal(await stepOf(page), 0);
  await page.selectOption('#speed', { label: '4×' });
  await page.locator('#play').click();
  await page.locator('.packet').first().waitFor({ timeout: 5000 });
  const steps = await stepsOf(page);
  await page.waitForFunction(
    (n) => document.querySelector('#step-counter')?.dataset.step === String(n),
    steps,
    { timeout: steps * 400 + 5000 },
  );
  for (const peer of ['initiator', 'responder']) {
    const marks = await page.locator(`.mark.up[data-peer="${peer}"]`).allTextContents();
    assert.ok(marks.some((m) => m.includes('IKE SA up')), `${peer}: ${marks}`);
    assert.ok(marks.some((m) => /CHILD SA .* up/.test(m)), `${peer}: ${marks}`);
  }
  const labels = await page.locator('.flight-label .summary').allTextContents();
  assert.ok(labels.some((l) => l.startsWith('IKE_AUTH request 1 [ IDi')), labels.join('\n'));
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false', 'playback stops at the end');
  await page.screenshot({ path: join(artifacts, 'happy-path-1280.png') });
  await assertClean(lab);
});

test('step back and step forward land on the same record', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  for (let i = 0; i < 9; i += 1) await page.locator('#step-forward').click();
  const record = await page.locator('.event-line.current').getAttribute('data-record');
  const inspectedRecord = await inspected(page);
  await page.locator('#step-back').click();
  assert.equal(await stepOf(page), 8);
  assert.notEqual(await page.locator('.event-line.current').getAttribute('data-record'), record);
  await page.locator('#step-forward').click();
  assert.equal(await stepOf(page), 9);
  assert.equal(await page.locator('.event-line.current').getAttribute('data-record'), record);
  assert.equal(await inspected(page), inspectedRecord);
  await assertClean(lab);
});

test('selecting the KE payload highlights exactly its bytes; a byte click selects the innermost field', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  await jumpTo(page, 'sending IKE_SA_INIT request 0');
  const ke = page.locator('.field-row[data-name="Key Exchange (KE)"]').first();
  await ke.click();
  await page.mouse.move(0, 0); // hovering another field would light that one instead
  const start = Number(await ke.getAttribute('data-start'));
  const end = Number(await ke.getAttribute('data-end'));
  assert.ok(end > start);
  const lit = await page.locator('.hex-block[data-buffer="0"] .byte.hl').evaluateAll((els) => els.map((e) => Number(e.dataset.offset)));
  assert.deepEqual(lit, Array.from({ length: end - start }, (_, i) => start + i));
  assert.match(await page.locator('#field-detail').textContent(), /RFC 7296/);

  // A byte inside the KE data: the covering field with the greatest depth.
  const offset = start + 10;
  const rows = await page.locator('.field-row[data-buffer="0"]').evaluateAll((els) => els.map((e) => ({
    field: e.dataset.field, start: Number(e.dataset.start), end: Number(e.dataset.end), depth: Number(e.dataset.depth), name: e.dataset.name,
  })));
  const covering = rows.filter((r) => r.start <= offset && offset < r.end).sort((a, b) => b.depth - a.depth)[0];
  assert.equal(covering.name, 'Key Exchange Data');
  await page.locator(`.hex-block[data-buffer="0"] .byte[data-offset="${offset}"]`).click();
  assert.equal(await page.locator('.field-row.selected').getAttribute('data-field'), covering.field);
  assert.match(await page.locator('#field-detail').textContent(), /Key Exchange Data/);
  await assertClean(lab);
});

test('the SK payload of IKE_AUTH shows the decrypted IDi', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  await jumpTo(page, 'sending IKE_AUTH request 1');
  assert.ok(await page.locator('.field-row[data-name="Initialization Vector"]').count() > 0);
  assert.ok(await page.locator('.field-row[data-name="Integrity Checksum Data"]').count() > 0);
  await page.locator('.block-heading').first().waitFor();
  const idi = page.locator('.field-row[data-buffer="1"][data-name="Identification - Initiator (IDi)"]');
  assert.equal(await idi.count(), 1);
  assert.match(await idi.textContent(), /cl\.example/);
  await idi.click();
  assert.ok(await page.locator('.hex-block[data-buffer="1"] .byte.hl').count() > 0, 'the plaintext bytes light up');
  await assertClean(lab);
});

test('the NAT scenario shows the float to UDP 4500 and the NAT rewrite', async () => {
  const lab = await openLab('#s=nat-t-keepalive&step=100000');
  const { page } = lab;
  assert.equal(await page.locator('[data-box="nat"]').count(), 1, 'the NAT box is drawn');
  const ports = await page.locator('.flight-label .ports').allTextContents();
  assert.ok(ports.includes('UDP 500 → 500'), ports.join(', '));
  assert.ok(ports.includes('UDP 4500 → 4500'), ports.join(', '));
  const rewrite = page.locator('.nat-rewrite').first();
  assert.match(await rewrite.getAttribute('data-before'), /^10\.0\.0\.2:500$/);
  assert.match(await rewrite.getAttribute('data-after'), /^203\.0\.113\.7:\d+$/);
  assert.ok(await page.locator('.flight-label.keepalive').count() > 0, 'keep-alives look like keep-alives');
  assert.ok(await page.locator('.fold').count() > 0, 'the idle stretches between keep-alives fold');
  await assertClean(lab);
});

test('wrong-psk ends with AUTHENTICATION_FAILED highlighted and the reason shown', async () => {
  const lab = await openLab('#s=wrong-psk');
  const { page } = lab;
  const steps = await stepsOf(page);
  await page.locator('#scrubber').fill(String(steps));
  assert.equal(await stepOf(page), steps);
  const failure = page.locator('#failure');
  assert.match(await failure.textContent(), /AUTHENTICATION_FAILED/);
  assert.ok((await failure.locator('.failure-reason').textContent()).length > 10);
  const selected = page.locator('.field-row.selected');
  assert.match(await selected.textContent(), /AUTHENTICATION_FAILED/);
  assert.ok(await page.locator('.byte.hl').count() > 0, 'the notify bytes are highlighted');
  await assertClean(lab);
});

test('a link with scenario, seed and step reproduces the selected message in a fresh page', async () => {
  const first = await openLab('#s=happy-path&seed=7');
  await jumpTo(first.page, 'parsed IKE_AUTH request 1');
  await first.page.locator('#step-forward').click();
  const link = first.page.url();
  assert.match(link, /#s=happy-path&seed=7&step=\d+$/);
  const title = await first.page.locator('#inspector-title').textContent();
  const record = await inspected(first.page);
  // Browser history: back returns to the step before.
  const step = await stepOf(first.page);
  await first.page.goBack();
  await first.page.waitForFunction((s) => document.querySelector('#step-counter')?.dataset.step === String(s - 1), step);
  await first.page.goForward();
  await first.page.waitForFunction((s) => document.querySelector('#step-counter')?.dataset.step === String(s), step);
  await assertClean(first);

  const fresh = await openLab(new URL(link).hash);
  assert.equal(await stepOf(fresh.page), step);
  assert.equal(await fresh.page.locator('#inspector-title').textContent(), title);
  assert.equal(await inspected(fresh.page), record);
  await assertClean(fresh);
});

test('a golden trace loads and plays; a broken file gives a message and changes nothing', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page, log } = lab;
  const before = await page.locator('#trace-sha256').getAttribute('data-sha256');
  // The page starts with the build that has no trace reader; the first file loads the
  // full build once (web/src/files.rs), which then reads every file.
  const fullBuild = () => log.requests.filter((r) => r.endsWith('/pkg/ikelab_web_full_bg.wasm'));
  assert.deepEqual(fullBuild(), [], 'the full build is loaded only for a file');
  for (const [name, text] of [
    ['notes.json', 'this is not JSON'],
    ['other.json', JSON.stringify({ schema: 'something-else/9', records: [] })],
    ['truncated.json', readFileSync(join(traces, 'happy-path.json'), 'utf8').slice(0, 5000)],
  ]) {
    await page.locator('#trace-file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
    const problem = page.locator('#problem');
    await problem.waitFor();
    assert.match(await problem.textContent(), new RegExp(name.replace('.', '\\.')));
    assert.equal(await page.locator('#trace-sha256').getAttribute('data-sha256'), before, `${name} changed the run`);
    await problem.locator('button').click();
  }
  const golden = readdirSync(traces).filter((f) => f.endsWith('.json'));
  assert.ok(golden.includes('happy-path.json'));
  await page.locator('#trace-file').setInputFiles(join(traces, 'happy-path.json'));
  await page.locator('.scenario-title', { hasText: 'Replaying happy-path.json' }).waitFor();
  const expected = jsonHash(readFileSync(join(traces, 'happy-path.json'), 'utf8'));
  assert.equal(await page.locator('#trace-sha256').getAttribute('data-sha256'), expected);
  const steps = await stepsOf(page);
  assert.ok(steps > 10);
  await page.locator('#scrubber').fill(String(steps));
  assert.ok(await page.locator('.flight-label').count() >= 4);
  assert.ok(await page.locator('.mark.up').count() >= 2);
  assert.equal(fullBuild().length, 1, 'the full build, loaded once for four files');
  await assertClean(lab);
});

test('two files handed over while the full build loads give one lab, the first file', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  // What two quick picks do, without depending on their timing: the first build hands
  // both to index.html before the full build has taken over.
  const text = readFileSync(join(traces, 'happy-path.json'), 'utf8');
  await page.evaluate((t) => {
    globalThis.ikelabOpenInFullLab('first.json', t);
    globalThis.ikelabOpenInFullLab('second.json', t);
  }, text);
  await page.locator('.scenario-title', { hasText: 'Replaying first.json' }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('.lab').count(), 1, 'the full build took over once');
  await assertClean(lab);
});

test('a bridge session through strongSwan replays with its ESP both ways', async () => {
  const lab = await openLab('#s=happy-path&seed=7', { width: 1024, height: 768 });
  const { page } = lab;
  await page.locator('#trace-file').setInputFiles(join(traces, 'bridge', 'strongswan-full-tunnel.json'));
  await page.locator('.scenario-title', { hasText: 'Replaying strongswan-full-tunnel.json' }).waitFor();
  await page.locator('#scrubber').fill(String(await stepsOf(page)));
  const labels = await page.locator('.flight-label').allTextContents();
  assert.ok(labels.filter((l) => /ESP in UDP.*SPI 0x[0-9a-f]{8} seq \d+/.test(l)).length >= 6, labels.join('\n'));
  assert.ok(labels.some((l) => l.includes('IKE_AUTH response 1')), labels.join('\n'));
  assert.deepEqual(await overlaps(page), [], 'timeline items drawn over each other');
  await assertClean(lab);
});

test('the whole happy path can be driven by the keyboard alone', async () => {
  const lab = await openLab('#s=happy-path&seed=7');
  const { page } = lab;
  // Tab reaches the play button, with a visible focus ring.
  let focused = '';
  for (let i = 0; i < 30 && focused !== 'play'; i += 1) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.id ?? '');
  }
  assert.equal(focused, 'play');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(ring, 'none');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'true');
  await page.locator('body').focus();
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(' ');
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), 'false', 'space pauses');
  await page.keyboard.press('Home');
  assert.equal(await stepOf(page), 0);
  const steps = await stepsOf(page);
  for (let i = 0; i < steps; i += 1) await page.keyboard.press('ArrowRight');
  assert.equal(await stepOf(page), steps);
  assert.ok(await page.locator('.mark.up[data-peer="initiator"]', { hasText: 'IKE SA up' }).count() === 1);
  assert.ok(await page.locator('.mark.up[data-peer="responder"]', { hasText: 'IKE SA up' }).count() === 1);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await stepOf(page), steps - 1);
  await assertClean(lab);
});

test('each datagram travels across the network while playing; prefers-reduced-motion steps instead', async () => {
  // Play reaches the first datagram at once, and its packet travels.
  const moving = await openLab('#s=happy-path&seed=7&step=0');
  await moving.page.locator('#play').click();
  await moving.page.locator('.packet').first().waitFor({ timeout: 5000 });
  await assertClean(moving);
  // With reduced motion: the same steps, no travelling packet at any of them.
  const still = await openLab('#s=happy-path&seed=7&step=0', { width: 1280, height: 800 }, { reducedMotion: 'reduce' });
  const { page } = still;
  await page.locator('#play').click();
  let packets = 0;
  while ((await stepOf(page)) < 12) {
    packets += await page.locator('.packet').count();
    await page.waitForTimeout(50);
  }
  assert.equal(packets, 0, 'no packet travels under prefers-reduced-motion');
  assert.ok(await page.locator('.flight-label').count() >= 2, 'the datagrams are still drawn');
  await assertClean(still);
});

test('axe-core finds no serious or critical violation', async () => {
  for (const scheme of ['light', 'dark']) {
    const lab = await openLab('#s=nat-t-keepalive&step=20', { width: 1280, height: 800 }, { colorScheme: scheme });
    const { page } = lab;
    await page.locator('.field-row').first().click();
    assert.deepEqual(await axeViolations(page), [], `${scheme} scheme`);
    await assertClean(lab);
  }
});

// Pairs of timeline items (labels, NAT notes, lane marks, end notes, burst buttons,
// fold labels) whose boxes overlap by more than a pixel.
async function overlaps(page) {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll('.ladder .flight-label, .ladder .nat-rewrite, .ladder .mark, .ladder .end-mark, .ladder .burst, .ladder .fold span')]
      .map((e) => ({ text: e.textContent.trim().slice(0, 40), r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0);
    const out = [];
    for (let i = 0; i < items.length; i += 1) {
      for (let j = i + 1; j < items.length; j += 1) {
        const [a, b] = [items[i].r, items[j].r];
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 1 && y > 1) out.push(`${items[i].text} | ${items[j].text}`);
      }
    }
    return out;
  });
}

test('every bundled scenario renders to its end without a console error', async () => {
  const lab = await openLab();
  const names = await lab.page.locator('#scenario option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(names.length >= 20, names.join(', '));
  await assertClean(lab);
  for (const name of names) {
    // At the projector's 1024x768, where labels wrap the most.
    const run = await openLab(`#s=${name}&step=1000000`, { width: 1024, height: 768 });
    const steps = await stepsOf(run.page);
    assert.ok(steps > 0, `${name} has events`);
    assert.equal(await stepOf(run.page), steps, `${name} opens at its end`);
    assert.ok(await run.page.locator('.flight-label').count() > 0, `${name} draws its datagrams`);
    assert.deepEqual(await overlaps(run.page), [], `${name}: timeline items drawn over each other`);
    await assertClean(run);
  }
});

test('screenshots at 1024x768 (projector) and 1440x900 (laptop), no horizontal scroll, text at least 14 px', async () => {
  for (const [width, height] of [[1024, 768], [1440, 900]]) {
    const lab = await openLab('#s=nat-t-keepalive&seed=1&step=30', { width, height });
    const { page } = lab;
    await page.locator('.flight-label').nth(2).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${width}px: ${overflow}px of horizontal scroll`);
    const small = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .filter((e) => e.getClientRects().length && parseFloat(getComputedStyle(e).fontSize) < 14)
      .map((e) => `${e.tagName}.${e.className}: ${getComputedStyle(e).fontSize}`));
    assert.deepEqual(small, [], `${width}px: text under 14px`);
    await page.screenshot({ path: join(artifacts, `lab-${width}x${height}.png`) });
    await assertClean(lab);
  }
});
