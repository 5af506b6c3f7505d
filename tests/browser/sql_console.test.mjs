// The SQL console clicked through in Chromium as a person would.
//   node sql_console.test.mjs URL USER PASSWORD EMPLOYEES_CSV SIGNER ARTIFACTS_DIR [VERIFIED_BY]
// VERIFIED_BY: what the page must say verified the enclave (default "platform CA";
// "attestd" when the console was started with --attestation attestd).
// EMPLOYEES_CSV is the plaintext copy `cloister sql seed --plaintext-out`
// wrote: every answer on the page is checked against it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, screenshot } from './browser.mjs';

const [url, user, password, csvPath, signer, artifacts, verifiedBy = 'platform CA'] = process.argv.slice(2);
const employees = fs.readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((line) => {
  const [name, ssn, salary] = line.split(',');
  return { name, ssn, salary: Number(salary) };
});
assert.ok(employees.length >= 20, 'the seeded table is too small to test with');

const { context, close } = await launch();
const page = await context.newPage();
const requestUrls = [];
page.on('request', (request) => requestUrls.push(request.url()));
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));

async function tableRows(selector) {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent)));
}

async function search(column, operator, value, value2) {
  await page.selectOption('#column', column);
  await page.selectOption('#operator', operator);
  await page.fill('#value', value);
  if (value2 !== undefined) await page.fill('#value2', value2);
  const before = await page.textContent('#search-message');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(
    (old) => {
      const text = document.getElementById('search-message').textContent;
      return text !== old && text !== 'Searching…';
    },
    before);
  return page.textContent('#search-message');
}

function checkNoPlaintext(text, where) {
  for (const employee of employees) {
    assert.ok(!text.includes(employee.ssn), `${where} shows SSN ${employee.ssn}`);
    assert.ok(!text.includes(String(employee.salary)), `${where} shows salary ${employee.salary}`);
  }
}

function sortedBySalary(rows) {
  const salaries = rows.map((row) => Number(row[2]));
  assert.deepEqual(salaries, [...salaries].sort((a, b) => a - b), 'rows are not in salary order');
}

function sameRows(shown, expected, what) {
  const key = (row) => row.join('|');
  assert.deepEqual(shown.map(key).sort(), expected.map((e) => key([e.name, e.ssn, String(e.salary)])).sort(), what);
}

try {
  await page.goto(url);
  await page.waitForSelector('#sign-in-form');
  await screenshot(page, artifacts, '1-sign-in');
  // Every control has a label or a text name (the page is usable with a screen reader).
  const unnamed = await page.$$eval('input, select, button', (controls) =>
    controls.filter((c) => (c.labels === null || c.labels.length === 0) && !c.textContent.trim())
      .map((c) => c.id || c.outerHTML));
  assert.deepEqual(unnamed, [], 'controls without a label');

  // A wrong password: a clear message, still signed out.
  await page.fill('#user', user);
  await page.fill('#password', 'not the password');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('sign-in-message').textContent.length > 0);
  assert.match(await page.textContent('#sign-in-message'), /wrong user name or password/i);
  assert.equal(await page.isVisible('#app'), false);
  await screenshot(page, artifacts, '2-wrong-password');

  // Signing in with the keyboard alone.
  await page.focus('#user');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#app', { state: 'visible' });
  assert.equal(await page.textContent('#who'), user);

  // The attestation is shown: the expected signer, verified against the platform CA.
  await page.waitForSelector('#attestation-details', { state: 'visible', timeout: 30000 });
  assert.match(await page.textContent('#attestation-state'), /^Attested/);
  assert.equal(await page.textContent('#att-signer'), signer);
  assert.match(await page.textContent('#att-measurement'), /^[0-9a-f]{64}$/);
  assert.ok((await page.textContent('#att-verified-by')).includes(verifiedBy), 'verified by');

  // A salary range, sorted by salary in the enclave.
  const message = await search('salary', 'between', '60000', '90000');
  const inRange = employees.filter((e) => e.salary >= 60000 && e.salary <= 90000);
  assert.equal(message, `${inRange.length} employee(s) with salary between 60000 and 90000.`);
  const decrypted = await tableRows('#decrypted-rows');
  sameRows(decrypted, inRange, 'the salary range');
  sortedBySalary(decrypted);
  const sent = (await page.textContent('#sent-sql')) + (await page.textContent('#sent-params'));
  assert.ok(sent.includes('BETWEEN @value AND @value2'), sent);
  assert.ok(!sent.includes('60000') && !sent.includes('90000'), 'the parameters left in plaintext');
  const returned = await page.textContent('#returned-rows');
  checkNoPlaintext(returned, 'the rows as returned');
  assert.equal((await tableRows('#returned-rows')).length, inRange.length);
  assert.ok((await page.$$('#returned-rows td.cipher')).length >= 2 * inRange.length, 'ciphertext cells missing');
  await screenshot(page, artifacts, '3-salary-range');

  // The administrator's view: ciphertext only.
  await page.waitForFunction(() => document.querySelectorAll('#dba-rows tbody tr').length > 0);
  const dba = await page.textContent('#dba-rows');
  checkNoPlaintext(dba, "the administrator's view");
  assert.match(await page.textContent('#dba-summary'), new RegExp(`${employees.length} rows`));
  assert.match(await page.textContent('#dba-summary'), /encrypted columns: salary, ssn/);

  // An SSN pattern.
  const prefix = employees[0].ssn.slice(0, 2);
  const likeMessage = await search('ssn', 'like', `${prefix}%`);
  const matching = employees.filter((e) => e.ssn.startsWith(prefix));
  assert.equal(likeMessage, `${matching.length} employee(s) with ssn like ${prefix}%.`);
  const likeRows = await tableRows('#decrypted-rows');
  sameRows(likeRows, matching, 'the SSN pattern');
  sortedBySalary(likeRows);
  checkNoPlaintext(await page.textContent('#returned-rows'), 'the rows as returned (LIKE)');
  await screenshot(page, artifacts, '4-ssn-like');

  // One SSN, exactly.
  await search('ssn', '=', employees[3].ssn);
  sameRows(await tableRows('#decrypted-rows'), employees.filter((e) => e.ssn === employees[3].ssn), 'SSN =');

  // An operator the enclave does not run, and a malformed value: clear
  // messages, and the console keeps answering.
  const glob = await search('ssn', 'glob', '1*');
  assert.match(glob, /^Refused: .*'GLOB' is not supported on encrypted columns/);
  assert.equal((await tableRows('#decrypted-rows')).length, 0);
  await screenshot(page, artifacts, '5-unsupported-operator');
  assert.match(await search('salary', '>', '12k'), /^Refused: a salary must be a whole number/);
  const above = employees.filter((e) => e.salary > 150000);
  assert.equal(await search('salary', '>', '150000'), `${above.length} employee(s) with salary > 150000.`);

  // Signing out ends the session: the API answers 401 without it.
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in', { state: 'visible' });
  const status = await page.evaluate(async () =>
    (await fetch('/api/search', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                  body: JSON.stringify({ column: 'salary', operator: '>', value: '1' }) })).status);
  assert.equal(status, 401);

  for (const requested of requestUrls) assert.ok(!requested.includes(password), `a URL carries the password`);
  assert.deepEqual(pageErrors, [], 'the page threw');
  console.log(`sql console: ${inRange.length} rows in range, ${matching.length} by pattern, ` +
              `refusals shown, no plaintext in the ciphertext or administrator panels`);
} catch (error) {
  await screenshot(page, artifacts, 'failure').catch(() => {});
  throw error;
} finally {
  await close();
}
