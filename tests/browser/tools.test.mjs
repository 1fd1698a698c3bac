// The browser lab's tools (part 2) in headless Chromium: the editor, the downloads
// (checked with tshark and the CLI), links to edited scenarios. The environment and
// the shared helpers are in support.mjs. The tools live in the full build: the
// first tab click hands the page over to it, as a trace file does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, assertClean, axeViolations, env, openLab, url } from './support.mjs';

const ikelab = env('IKELAB_BIN');

/** Opens a tool's tab and waits for the full build to show it. */
async function openTab(page, tab, ready) {
  await page.locator(`#tab-${tab}`).click();
  await page.locator(ready).waitFor({ timeout: 20000 });
}

/** Types `value` into the editor's field for `path` and commits it (leaves the field). */
async function setField(page, path, value) {
  const field = page.locator(`.edit-field[data-path="${path}"] input`);
  await field.fill(value);
  await field.press('Tab');
}

const sha256Of = async (page) => page.locator('#trace-sha256').getAttribute('data-sha256');
const toml = async (page) => page.locator('#edit-toml').inputValue();

/** Clicks a download button and saves the file in `dir`. */
async function download(page, button, dir) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

test('a wrong PSK in the editor ends in AUTHENTICATION_FAILED with the reason, and the URL carries the edit', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=0');
  const { page } = lab;
  await openTab(page, 'edit', '#edit-toml');
  assert.match(page.url(), /[#&]tab=edit/);
  const before = await sha256Of(page);
  await setField(page, 'responder.secrets.psk', 'not-the-same-secret');
  await page.locator('#edit-outcome.failed').waitFor();
  assert.match(await page.locator('#edit-outcome').textContent(), /AUTHENTICATION_FAILED/);
  assert.ok((await page.locator('#edit-outcome .failure-reason').textContent()).length > 20);
  assert.notEqual(await sha256Of(page), before, 'the run changed');
  assert.match(await toml(page), /psk = "not-the-same-secret"/, 'the raw TOML follows the form');
  assert.match(page.url(), /#e=[A-Za-z0-9_-]+&seed=7/);
  // The message view tells the same story.
  await page.locator('#tab-message').click();
  assert.match(await page.locator('#failure').textContent(), /AUTHENTICATION_FAILED/);
  await assertClean(lab);
});

test('another IKE proposal ends in NO_PROPOSAL_CHOSEN with the refused transforms named', async () => {
  const lab = await openLab('#s=happy-path&seed=7&tab=edit');
  const { page } = lab;
  await page.locator('#edit-toml').waitFor({ timeout: 20000 });
  await setField(page, 'initiator.proposals', 'aes128gcm16-prfsha384-ecp384');
  await page.locator('#edit-outcome.failed').waitFor();
  const outcome = await page.locator('#edit-outcome').textContent();
  assert.match(outcome, /NO_PROPOSAL_CHOSEN/);
  assert.match(outcome, /Why: responder found no acceptable IKE proposal/, outcome);
  assert.match(outcome, /ECP_384/, `the refused group is named: ${outcome}`);
  await assertClean(lab);
});

test('an invalid proposal is explained next to its field and the last good run stays', async () => {
  const lab = await openLab('#s=happy-path&seed=7&tab=edit');
  const { page } = lab;
  await page.locator('#edit-toml').waitFor({ timeout: 20000 });
  const before = await sha256Of(page);
  const steps = await page.locator('#step-counter').getAttribute('data-steps');
  await setField(page, 'initiator.proposals', 'aes256gcm16-prfsha256-x2551');
  const problem = page.locator('.edit-field[data-path="initiator.proposals"] .field-problem');
  await problem.waitFor();
  assert.match(await problem.textContent(), /x2551/);
  assert.equal(await page.locator('.edit-field[data-path="initiator.proposals"] input').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#edit-status').textContent(), /does not run/);
  assert.equal(await sha256Of(page), before, 'the run on screen is the last good one');
  assert.equal(await page.locator('#step-counter').getAttribute('data-steps'), steps);
  assert.match(await toml(page), /x2551/, 'the raw TOML shows what was typed');
  // Fixing it by hand in the raw TOML runs again.
  await page.locator('#edit-toml').fill((await toml(page)).replace('prfsha256-x2551"', 'prfsha256-x25519"'));
  await page.locator('#edit-status.runs').waitFor();
  assert.equal(await sha256Of(page), before, 'the same scenario and seed give the same trace');
  // A syntax error in the raw TOML names its line.
  await page.locator('#edit-toml').fill((await toml(page)).replace('duration = "30s"', 'duration = "30s'));
  assert.match(await page.locator('#edit-toml-problems').textContent(), /line \d+/);
  await assertClean(lab);
});

test('NAT turned on in the editor makes the peers float to UDP 4500', async () => {
  const lab = await openLab('#s=happy-path&seed=7&tab=edit');
  const { page } = lab;
  await page.locator('#edit-toml').waitFor({ timeout: 20000 });
  let ports = await page.locator('.flight-label .ports').allTextContents();
  assert.ok(!ports.includes('UDP 4500 → 4500'), ports.join(', '));
  await page.locator('.edit-field[data-path="network.nat"] input').check();
  await page.locator('[data-box="nat"]').waitFor();
  ports = await page.locator('.flight-label .ports').allTextContents();
  assert.ok(ports.includes('UDP 4500 → 4500'), ports.join(', '));
  await assertClean(lab);
});

test('the pcap and key folder built in the page decrypt in tshark, every ICV correct', async () => {
  const lab = await openLab('#s=nat-t-esp&seed=3&tab=downloads');
  const { page } = lab;
  await page.locator('#download-pcap').waitFor({ timeout: 20000 });
  const dir = join(artifacts, 'downloads-nat-t-esp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pcap = await download(page, '#download-pcap', dir);
  for (const id of ['#download-ikev2-table', '#download-esp-sa', '#download-preferences']) {
    await download(page, id, dir);
  }
  const tshark = (filter, fields) => execFileSync('tshark', ['-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    env: { ...process.env, WIRESHARK_CONFIG_DIR: dir },
    encoding: 'utf8',
  }).split('\n').filter((l) => l.trim() !== '');
  const sk = tshark('isakmp.nextpayload == 46', ['frame.number']);
  const opened = tshark('isakmp.enc.decrypted', ['frame.number']);
  assert.ok(sk.length >= 2, `SK messages: ${sk.length}`);
  assert.deepEqual(opened, sk, 'every SK payload decrypts');
  assert.deepEqual(tshark('isakmp.ikev2.integrity_checksum', ['frame.number']), [], 'no IKE ICV is wrong');
  const esp = tshark('esp', ['esp.icv_good', 'esp.icv_bad']);
  assert.ok(esp.length >= 2, `ESP packets: ${esp.length}`);
  for (const row of esp) {
    assert.match(row, /^(1|True)\s+(0|False)$/, `an ESP packet's ICV: ${row}`);
  }
  await assertClean(lab);
});

test('a saved edited scenario played by `ikelab sim --trace` gives the trace the page downloads', async () => {
  const lab = await openLab('#s=happy-path&seed=7&tab=edit');
  const { page } = lab;
  await page.locator('#edit-toml').waitFor({ timeout: 20000 });
  await setField(page, 'network.link.latency', '35ms');
  await setField(page, 'initiator.retransmit.tries', '3');
  await page.locator('#edit-status.runs').waitFor();
  const dir = join(artifacts, 'saved-scenario');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const saved = await download(page, '#edit-save', dir);
  assert.match(readFileSync(saved, 'utf8'), /latency = "35ms"/);
  await page.locator('#tab-downloads').click();
  const pageTrace = await download(page, '#download-trace', dir);
  const cliTrace = join(dir, 'cli.trace.json');
  execFileSync(ikelab, ['sim', saved, '--seed', '7', '--trace', cliTrace]);
  assert.equal(readFileSync(pageTrace, 'utf8'), readFileSync(cliTrace, 'utf8'));
  await assertClean(lab);
});

test('a link to an edited scenario reproduces it, and carries the PSKs only when asked', async () => {
  const first = await openLab('#s=happy-path&seed=7&tab=edit');
  await first.page.locator('#edit-toml').waitFor({ timeout: 20000 });
  await setField(first.page, 'initiator.secrets.psk', 'a-secret-for-the-class');
  await setField(first.page, 'responder.secrets.psk', 'a-secret-for-the-class');
  await setField(first.page, 'network.link.latency', '50ms');
  await first.page.locator('#edit-status.runs').waitFor();
  const edited = await sha256Of(first.page);
  const without = first.page.url();
  await first.page.locator('#edit-link-secrets').check();
  await first.page.waitForFunction((old) => location.href !== old, without);
  const withSecrets = first.page.url();
  await assertClean(first);

  const shared = await openLab(new URL(withSecrets).hash);
  assert.equal(await sha256Of(shared.page), edited, 'the link with its secrets gives the same run');
  await assertClean(shared);

  const secretless = await openLab(new URL(without).hash);
  assert.match(await secretless.page.locator('#problem').textContent(), /leaves its secrets out/);
  await secretless.page.locator('#tab-edit').click();
  assert.doesNotMatch(await secretless.page.locator('#edit-toml').inputValue(), /a-secret-for-the-class/);
  assert.match(await secretless.page.locator('#edit-toml').inputValue(), /latency = "50ms"/);
  await assertClean(secretless);
});

test('the tabs work from the keyboard and every tool passes axe-core', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=6');
  const { page } = lab;
  // The first build keeps every tab in the Tab order: Tab, then Enter opens Edit
  // (and loads the full build).
  await page.locator('#tab-message').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('#edit-toml').waitFor({ timeout: 20000 });
  // The full build moves along the tabs with the arrow keys (WAI-ARIA tabs).
  await page.locator('#tab-edit').focus();
  await page.keyboard.press('ArrowRight');
  await page.locator('#send-ping-initiator').waitFor();
  assert.equal(await page.locator('#tab-traffic').getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-traffic');
  for (const [tab, ready] of [['edit', '#edit-toml'], ['downloads', '#download-pcap']]) {
    await page.locator(`#tab-${tab}`).click();
    await page.locator(ready).waitFor();
    assert.equal(await page.locator(`#tab-${tab}`).getAttribute('aria-selected'), 'true');
    assert.deepEqual(await axeViolations(page), [], `${tab} tab`);
  }
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.locator('#tab-edit').click();
  await page.screenshot({ path: join(artifacts, 'edit-1024x768.png'), fullPage: true });
  await assertClean(lab);
});

test('the first visit loads only the small build; a tool tab loads the full one', async () => {
  const lab = await openLab('#s=happy-path');
  const { page, log } = lab;
  await page.waitForLoadState('networkidle');
  assert.ok(!log.requests.some((r) => r.includes('ikelab_web_full')), 'no tools on a first visit');
  await openTab(page, 'downloads', '#download-pcap');
  assert.ok(log.requests.some((r) => r.endsWith('/pkg/ikelab_web_full_bg.wasm')), log.requests.join(', '));
  assert.equal(new URL(page.url()).pathname, new URL(url).pathname, 'still the same page');
  await assertClean(lab);
});

test('compare: a wrong PSK is the first difference, marked and explained; another seed is none', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=100000&tab=compare');
  const { page } = lab;
  await page.locator('#compare-change').waitFor({ timeout: 20000 });
  await page.locator('#compare-change').selectOption('psk-responder');
  await page.locator('#compare-value').fill('a-different-secret');
  await page.locator('#compare-run').click();
  const first = page.locator('.compare-row.compare-first-difference');
  await first.waitFor();
  assert.equal(await first.count(), 1, 'one first difference');
  assert.match(await page.locator('#compare-explanation').textContent(), /AUTHENTICATION_FAILED/);
  assert.ok(await page.locator('.compare-row.compare-same').count() >= 3, 'the lines before it are the same in both');
  // Its run-A line selects that record in the main view (the URL's step follows the
  // selection only through the event list, so check the selected line there).
  const recordA = await first.locator('button.compare-cell.compare-a').getAttribute('data-record-a');
  await first.locator('button.compare-cell.compare-a').click();
  await page.locator(`.event-line.selected[data-record="${recordA}"]`).waitFor();
  await page.locator('#compare-change').selectOption('seed');
  await page.locator('#compare-value').fill('8');
  await page.locator('#compare-run').click();
  await page.locator('.compare-badge-same').waitFor();
  assert.equal(await page.locator('.compare-row.compare-first-difference').count(), 0, 'random values alone are no difference');
  assert.deepEqual(await axeViolations(page), [], 'compare tab');
  await assertClean(lab);
});

test('peers: the SAs with SPIs and counters at the step, a replayed packet refused in the window, refusals with reasons', async () => {
  const lab = await openLab('#s=esp-replay&seed=1&step=100000&tab=peers');
  const { page } = lab;
  await page.locator('section.peers-panel').waitFor({ timeout: 20000 });
  const initiator = page.locator('article.peer-column[data-peer="initiator"]');
  const responder = page.locator('article.peer-column[data-peer="responder"]');
  assert.ok(await initiator.locator('.sa-card.ike-sa').count() >= 1);
  const spi = await initiator.locator('.sa-card.ike-sa').first().getAttribute('data-spi');
  assert.match(spi, /^0x[0-9a-f]{16}$/);
  assert.equal(await responder.locator(`.sa-card.ike-sa[data-spi="${spi}"]`).count(), 1, 'both peers name the same IKE SA');
  const refused = page.locator('.refused-packets li[data-kind="replay"]');
  assert.ok(await refused.count() >= 1, 'the replayed packet is refused');
  assert.ok(await page.locator('.replay-window .replay-cell.refused').count() >= 1, 'and marked in the replay window');
  // At the start nothing exists yet.
  await page.locator('#restart').click();
  assert.equal(await page.locator('.sa-card').count(), 0);
  assert.deepEqual(await axeViolations(page), [], 'peers tab');
  await assertClean(lab);

  const refusal = await openLab('#s=no-proposal-chosen&step=100000&tab=peers');
  await refusal.page.locator('section.peers-panel').waitFor({ timeout: 20000 });
  const refusedDecision = refusal.page.locator('article.peer-column[data-peer="responder"] li.decision[data-verdict="refused"]');
  assert.ok(await refusedDecision.count() >= 1);
  assert.match(await refusedDecision.first().textContent(), /ENCR_AES_CBC \(128-bit key\)/);
  await assertClean(refusal);
});

test('traffic: a ping becomes ESP with its bytes annotated; behind a NAT it rides UDP 4500; a replay is refused', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=100000&tab=traffic');
  const { page } = lab;
  await page.locator('#send-ping-initiator').click({ timeout: 20000 });
  const journey = page.locator('#journey');
  await journey.waitFor();
  const titles = await journey.locator('.stage-title').allTextContents();
  assert.match(titles[0], /^The inner packet/);
  assert.match(titles[1], /^Sealed into ESP/);
  assert.ok(titles.some((t) => /IP protocol 50/.test(t)), titles.join(' | '));
  assert.ok(titles.some((t) => /^Opened by responder/.test(t)), titles.join(' | '));
  assert.match(await journey.locator('.stage-detail').first().textContent(), /ICMP echo request/);
  // The ESP packet's bytes, field by field, in the inspector beside.
  await page.locator('.field-row', { hasText: 'Security Parameters Index' }).first().click();
  assert.ok(await page.locator('.byte.hl').count() >= 4, 'the SPI octets light up');
  // The ping is part of the scenario now: its TOML has the action.
  await page.locator('#tab-edit').click();
  assert.match(await toml(page), /action = "ping"/);
  // A replay of the last packet to the responder is refused by its replay window.
  await page.locator('#tab-traffic').click();
  await page.locator('#replay-to-responder').click();
  const refused = page.locator('#journey .stage.bad');
  await refused.waitFor();
  assert.match(await refused.textContent(), /Refused by responder/);
  assert.match(await refused.textContent(), /replay/i);
  // A packet changed on the path fails its integrity check.
  await page.locator('#tamper-ping-initiator').click();
  await page.locator('#journey .stage-title', { hasText: 'Changed on the way' }).waitFor();
  assert.match(await page.locator('#journey .stage.bad').textContent(), /Refused by responder.*ICV/is);
  assert.ok(await page.locator('.flight-label .badge', { hasText: 'changed on the way' }).count() >= 1, 'the timeline marks it');
  assert.deepEqual(await axeViolations(page), [], 'traffic tab');
  await assertClean(lab);

  const nat = await openLab('#s=nat-t-esp&seed=3&step=100000&tab=traffic');
  await nat.page.locator('#send-ping-responder').click({ timeout: 20000 });
  await nat.page.locator('#journey').waitFor();
  const natTitles = await nat.page.locator('#journey .stage-title').allTextContents();
  assert.ok(natTitles.some((t) => /UDP 4500/.test(t)), natTitles.join(' | '));
  assert.ok(natTitles.includes('Through the NAT'), natTitles.join(' | '));
  await assertClean(nat);
});

test('keys: SK_ei equals the downloaded ikev2_decryption_table (salt included) and lights up what it opens', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=100000&tab=keys');
  const { page } = lab;
  const key = page.locator('li.key[data-key="SK_ei"][data-peer="initiator"]').first();
  await key.waitFor({ timeout: 20000 });
  const value = await key.getAttribute('data-value');
  assert.match(value, /^[0-9a-f]{72}$/, 'AES-256-GCM: 32 key octets and the 4-octet salt');
  assert.match(await key.textContent(), /salt/i, 'the panel says the table value carries the salt');
  for (const name of ['SKEYSEED', 'SK_d', 'SK_er', 'KEYMAT']) {
    assert.ok(await page.locator(`li.key[data-key="${name}"]`).count() >= 1, `${name} is shown`);
  }
  assert.match(await page.locator('.keys-panel').textContent(), /RFC 7296 §2\.14/);
  // It lights up the SK messages the initiator sent.
  assert.equal(await page.locator('.flight-label.lit').count(), 0);
  await key.locator('button.key-show').click();
  assert.ok(await page.locator('.flight-label.lit').count() >= 1, 'the IKE_AUTH request lights up in the timeline');
  assert.ok(await page.locator('.event-line.lit').count() >= 2, 'and in the event list');
  assert.deepEqual(await axeViolations(page), [], 'keys tab');

  await page.locator('#tab-downloads').click();
  const dir = join(artifacts, 'keys-happy-path');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const table = readFileSync(await download(page, '#download-ikev2-table', dir), 'utf8');
  const line = table.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.ok(line, table);
  const cells = line.split(',').map((c) => c.replace(/"/g, '').trim().toLowerCase());
  assert.ok(cells.includes(value), `SK_ei ${value} is a column of ${line}`);
  assert.equal(cells[2], value, 'the third column, SK_ei');
  await assertClean(lab);
});

test('the script in the form: an action moved, added and removed, a bad time explained at its step', async () => {
  const lab = await openLab('#s=happy-path&seed=7&step=100000&tab=edit');
  const { page } = lab;
  await page.locator('.edit-script').waitFor({ timeout: 20000 });
  const first = page.locator('.script-step[data-path="script[1]"] input.script-at');
  await first.fill('2s');
  await first.press('Tab');
  await page.locator('#edit-status.runs').waitFor();
  assert.match(await toml(page), /at = "2s"/);
  assert.match(await page.locator('#step-counter').textContent(), /t = 2\.0\d* s/, 'the run now starts at 2 s');
  await page.locator('#edit-add-action').selectOption('rekey_ike');
  await page.locator('#edit-add-at').fill('10s');
  await page.locator('#edit-add').click();
  await page.locator('.script-step[data-path="script[2]"]').waitFor();
  assert.match(await toml(page), /action = "rekey_ike"/);
  await page.locator('.script-step[data-path="script[2]"] .script-remove').click();
  await page.waitForFunction(() => !document.querySelector('#edit-toml').value.includes('rekey_ike'));
  await first.fill('soon');
  await first.press('Tab');
  const problem = page.locator('.script-step[data-path="script[1]"] .field-problem');
  await problem.waitFor();
  assert.match(await problem.textContent(), /invalid duration "soon"/);
  assert.deepEqual(await axeViolations(page), [], 'the script form');
  await assertClean(lab);
});
