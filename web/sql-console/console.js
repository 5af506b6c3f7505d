// The SQL console's page. Everything it shows comes from the console's own
// API on this origin; cells are put into the page as text, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: { message: `the console answered HTTP ${response.status} without JSON` } };
  }
  return { status: response.status, ok: response.ok, data };
}

function errorText(data, fallback) {
  return (data && data.error && data.error.message) || fallback;
}

function say(element, text, isError) {
  element.textContent = text;
  element.classList.toggle('error', Boolean(isError));
}

// A wire value as the server saw it: {"cell": base64} is ciphertext.
function wireText(value) {
  if (value === null) return { text: 'NULL', cipher: false };
  if (typeof value === 'object' && 'cell' in value) {
    const bytes = Math.floor((value.cell.length * 3) / 4) - (value.cell.match(/=*$/)[0].length);
    const shown = value.cell.length > 20 ? `${value.cell.slice(0, 20)}…` : value.cell;
    return { text: `${shown} (${bytes} bytes)`, title: value.cell, cipher: true };
  }
  if (typeof value === 'object') {
    const kind = Object.keys(value)[0];
    return { text: String(value[kind]), cipher: false };
  }
  return { text: String(value), cipher: false };
}

function fillTable(table, headers, rows) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const header of headers) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = header;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      if (typeof cell === 'object' && cell !== null) {
        td.textContent = cell.text;
        if (cell.title) td.title = cell.title;
        if (cell.cipher) td.className = 'cipher';
      } else {
        td.textContent = cell;
      }
    }
  }
}

function showAttestation(data) {
  const box = $('attestation');
  box.classList.toggle('ok', Boolean(data.attested));
  box.classList.toggle('bad', !data.attested);
  if (!data.attested) {
    $('attestation-state').textContent =
      `Not attested: ${data.error || 'the enclave has not been verified'}. No column key has been released.`;
    $('attestation-details').hidden = true;
    return;
  }
  $('attestation-state').textContent =
    'Attested: the enclave is genuine, not a debug build, and signed by the expected signer. ' +
    'Column keys are released to it only.';
  $('att-server').textContent = data.server || '';
  $('att-verified-by').textContent = data.verified_by;
  $('att-verified-at').textContent = new Date(data.verified_at * 1000).toLocaleString();
  $('att-signer').textContent = data.signer;
  $('att-measurement').textContent = data.measurement;
  $('att-instance').textContent = data.instance;
  $('attestation-details').hidden = false;
}

async function loadAttestation() {
  $('attestation-state').textContent = 'Verifying the server enclave…';
  const { ok, data } = await api('GET', '/api/attestation');
  if (ok) showAttestation(data);
  else $('attestation-state').textContent = errorText(data, 'the attestation state is unavailable');
}

async function loadDba() {
  const { ok, data } = await api('GET', '/api/dba');
  if (!ok) {
    $('dba-summary').textContent = errorText(data, 'the database file cannot be read');
    fillTable($('dba-rows'), [], []);
    return;
  }
  const encrypted = new Set(data.encrypted_columns.map((c) => c.toLowerCase()));
  $('dba-summary').textContent =
    `${data.file}, table ${data.table}: ${data.row_count} rows (first ${data.rows.length} shown); ` +
    `encrypted columns: ${data.encrypted_columns.join(', ') || 'none'}. No keys are used here.`;
  const rows = data.rows.map((row) =>
    row.map((cell, i) => {
      if (!encrypted.has(data.columns[i].toLowerCase()) || cell === 'NULL') return cell;
      const shown = cell.length > 32 ? `${cell.slice(0, 32)}…` : cell;
      return { text: shown, title: cell, cipher: true };
    }));
  fillTable($('dba-rows'), data.columns, rows);
}

function showSignedIn(user) {
  $('who').textContent = user;
  $('sign-in').hidden = true;
  $('app').hidden = false;
  loadAttestation();
  loadDba();
}

function showSignedOut() {
  $('app').hidden = true;
  $('sign-in').hidden = false;
  $('attestation-details').hidden = true;
  $('attestation-state').textContent = "Not verified yet: sign in to attest the server's enclave.";
  $('user').focus();
}

function updateOperator() {
  const between = $('operator').value === 'between';
  $('value2-group').hidden = !between;
  $('value2').required = between;
}

async function search(event) {
  event.preventDefault();
  const request = { column: $('column').value, operator: $('operator').value, value: $('value').value };
  if (request.operator === 'between') request.value2 = $('value2').value;
  say($('search-message'), 'Searching…', false);
  const { status, ok, data } = await api('POST', '/api/search', request);
  if (status === 401) return showSignedOut();
  $('sent-sql').textContent = data.sql || '';
  if (!ok) {
    say($('search-message'), `Refused: ${errorText(data, 'the search failed')}`, true);
    for (const id of ['sent-params', 'returned-rows', 'decrypted-rows']) fillTable($(id), [], []);
    return;
  }
  const params = data.params_sent.map((value, i) => [`?${i + 1}`, wireText(value)]);
  fillTable($('sent-params'), ['parameter', 'as sent'], params);
  const names = data.columns_returned.map((c) => c.name);
  fillTable($('returned-rows'), names, data.rows_returned.map((row) => row.map(wireText)));
  fillTable($('decrypted-rows'), data.columns.map((c) => c.name), data.rows);
  say($('search-message'), `${data.rows.length} employee(s) with ${data.description}.`, false);
  if (data.attestation) showAttestation({ ...data.attestation, server: $('att-server').textContent });
}

async function signIn(event) {
  event.preventDefault();
  const user = $('user').value;
  const password = $('password').value;
  $('password').value = '';
  const { ok, data } = await api('POST', '/api/sign-in', { user, password });
  if (!ok) {
    say($('sign-in-message'), errorText(data, 'signing in failed'), true);
    $('password').focus();
    return;
  }
  say($('sign-in-message'), '', false);
  showSignedIn(data.user);
}

async function signOut() {
  await api('POST', '/api/sign-out', {});
  showSignedOut();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('sign-in-form').addEventListener('submit', signIn);
  $('search-form').addEventListener('submit', search);
  $('operator').addEventListener('change', updateOperator);
  $('sign-out').addEventListener('click', signOut);
  $('dba-refresh').addEventListener('click', loadDba);
  updateOperator();
  const { ok, data } = await api('GET', '/api/me');
  if (ok) showSignedIn(data.user);
  else showSignedOut();
});
