// The clean-room portal clicked through in Chromium as two hospitals would:
// sign in (after a wrong password), see the verified enclave and the
// contract, sign it, try an empty and a malformed CSV and steps out of
// order, upload the real CSV through the file input, release the key,
// start training, download the model and read the evaluation table, which
// must show A+B above A alone. No password may appear in any URL or answer.
//   node cleanroom_portal.test.mjs CONFIG.json
// CONFIG: {"artifacts": DIR, "empty_csv": F, "malformed_csv": F,
//          "portals": [{"name", "url", "user", "password_file", "csv"}, ...],
//          "verified_by": what the page must say verified the enclave (default "operator CA")}
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, recordResponses, screenshot } from './browser.mjs';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const artifacts = config.artifacts;
const portals = config.portals.map((p) => ({ ...p, password: fs.readFileSync(p.password_file, 'utf8').trim() }));
const timeout = 90_000;

// Clicks `selector` and waits for the step's outcome in the live region.
async function act(page, selector) {
  await page.click(selector);
  await page.waitForFunction(() => /\b(ok|error)\b/.test(document.querySelector('#message').className),
    null, { timeout });
  const message = await page.textContent('#message');
  const kind = (await page.getAttribute('#message', 'class')).includes('error') ? 'error' : 'ok';
  return { kind, message };
}

async function expectOk(page, selector, pattern) {
  const { kind, message } = await act(page, selector);
  assert.equal(kind, 'ok', `${selector}: ${message}`);
  if (pattern) assert.match(message, pattern);
  return message;
}

async function expectError(page, selector, pattern) {
  const { kind, message } = await act(page, selector);
  assert.equal(kind, 'error', `${selector} should have failed, said: ${message}`);
  assert.match(message, pattern);
  return message;
}

async function signIn(page, portal, password) {
  await page.fill('#user', portal.user);
  await page.fill('#password', password);
  return act(page, '#sign-in');
}

async function uploadFile(page, file) {
  await page.setInputFiles('#csv-file', file);
  return act(page, '#upload');
}

async function evaluationTable(page) {
  return page.$$eval('#evaluation tbody tr', (rows) => rows.map((row) => {
    const cells = [...row.children].map((cell) => cell.textContent);
    return { label: cells[0], trainedOn: cells[1], accuracy: parseFloat(cells[2]) };
  }));
}

const { context, close } = await launch();
const requested = [];
context.on('request', (request) => requested.push(request.url()));
const pages = [];
try {
  // Both hospitals open their own portal; each signs in and prepares.
  for (const [index, portal] of portals.entries()) {
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const answers = recordResponses(page);
    pages.push({ page, portal, answers });
    await page.goto(portal.url);
    await page.waitForSelector('#sign-in-panel:not([hidden])');
    assert.equal(await page.isVisible('#app'), false, 'the console shows before sign-in');

    const wrong = await signIn(page, portal, `${portal.password}-wrong`);
    assert.equal(wrong.kind, 'error');
    assert.match(wrong.message, /wrong user name or password/i);
    assert.equal(await page.isVisible('#app'), false, 'a wrong password opened the console');
    if (index === 0) await screenshot(page, artifacts, `${portal.name}-1-wrong-password`);

    const right = await signIn(page, portal, portal.password);
    assert.equal(right.kind, 'ok', right.message);
    await page.waitForSelector('#app:not([hidden])');
    // The agent verified the enclave against its policy and the contract.
    await page.waitForFunction(() => document.querySelector('#enclave').textContent.includes('verified by your agent'),
      null, { timeout });
    const facts = await page.$$eval('#enclave dd', (dds) => dds.map((dd) => dd.textContent));
    assert.match(facts[1], /^[0-9a-f]{64}$/, `measurement: ${facts[1]}`);
    assert.match(facts[2], /^[0-9a-f]{64}$/, `signer: ${facts[2]}`);
    assert.ok(facts[3].includes(config.verified_by || 'operator CA'), `verified by: ${facts[3]}`);
    const contract = await page.$$eval('#contract dd', (dds) => dds.map((dd) => dd.textContent));
    assert.equal(contract[0], 'breast-cancer-screening');
    assert.match(contract[1], /^[0-9a-f]{64}$/);
    assert.equal(facts[5], contract[1], 'the enclave enforces another contract');
    assert.match(await page.textContent('#contract-parties'), /hospital-a[\s\S]*hospital-b/);
    await screenshot(page, artifacts, `${portal.name}-2-signed-in`);

    await expectOk(page, '#sign-contract', /signed the contract/);
    if (index === 0) {
      // Steps out of order and bad files: clear messages, and the portal goes on.
      await expectError(page, '#release-key', /upload your CSV first/i);
      await expectError(page, '#evaluate', /upload your CSV first/i);
      await expectError(page, '#upload', /choose a CSV file first/i);
      assert.equal(await page.isDisabled('#train'), true, 'training offered before every party is in');
      const empty = await uploadFile(page, config.empty_csv);
      assert.equal(empty.kind, 'error');
      assert.match(empty.message, /the CSV is empty/i);
      await screenshot(page, artifacts, `${portal.name}-3-empty-csv`);
      const malformed = await uploadFile(page, config.malformed_csv);
      assert.equal(malformed.kind, 'error');
      assert.match(malformed.message, /row 2 \(line 3\), column radius_mean: 'n\/a' is not a number/);
      await screenshot(page, artifacts, `${portal.name}-4-malformed-csv`);
    }
    const uploaded = await uploadFile(page, portal.csv);
    assert.equal(uploaded.kind, 'ok', uploaded.message);
    assert.match(uploaded.message, /Uploaded \d+ rows, encrypted/);
    await expectOk(page, '#release-key', /released to the verified enclave/);
    if (index === 0) {
      await expectError(page, '#evaluate', /download the model first/i);
    }
  }

  // Both are in: hospital A starts training, both download and evaluate.
  const [a] = pages;
  await a.page.bringToFront();
  await expectOk(a.page, '#refresh', /refreshed/);
  assert.equal(await a.page.isDisabled('#train'), false, 'training not offered with every party in');
  const statusRows = await a.page.$$eval('#status tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.equal(statusRows.length, 2);
  for (const text of statusRows) assert.match(text, /yes.*rows \(encrypted\)yes/);
  await screenshot(a.page, artifacts, `${a.portal.name}-5-ready`);
  await expectOk(a.page, '#train', /Training run \d+ finished: \d+ rows/);

  for (const { page, portal } of pages) {
    await page.bringToFront();
    await expectOk(page, '#download', /opened with your key/);
    const table = await evaluationTable(page);
    assert.equal(table.length, 2, JSON.stringify(table));
    const [alone, joint] = table;
    assert.match(alone.label, new RegExp(`${portal.name} alone`));
    assert.match(joint.label, /hospital-a \+ hospital-b/);
    assert.ok(joint.accuracy > alone.accuracy, `A+B ${joint.accuracy}% is not above alone ${alone.accuracy}%`);
    assert.equal(await page.locator('#chart svg rect').count(), 2, 'the chart has no bars');
    console.log(`${portal.name}: alone ${alone.accuracy}%, together ${joint.accuracy}%`);
    await screenshot(page, artifacts, `${portal.name}-6-evaluation`);
  }
  // Hospital A's table, as the person reads it: A+B above A alone, by a margin.
  const [alone, joint] = await evaluationTable(a.page);
  assert.ok(joint.accuracy >= 95 && joint.accuracy - alone.accuracy >= 5, `${alone.accuracy}% vs ${joint.accuracy}%`);

  // Signing out closes the console.
  await a.page.click('#sign-out');
  await a.page.waitForSelector('#sign-in-panel:not([hidden])');
  const after = await a.page.evaluate(async () => (await fetch('/api/status')).status);
  assert.equal(after, 401, 'the API still answers after sign-out');

  // No password in any URL, nor in anything the portals answered.
  for (const { portal, answers } of pages) {
    for (const url of requested) {
      assert.ok(!url.includes(portal.password), `a password in a URL: ${url}`);
      assert.ok(!url.includes('?'), `a query string: ${url}`);
    }
    for (const { url, body } of pages.flatMap((p) => p.answers)) {
      assert.ok(!body.includes(portal.password), `a password in the answer to ${url}`);
    }
    assert.ok(answers.length > 0);
  }
  console.log('clean-room portal browser test passed');
} finally {
  await close();
}
