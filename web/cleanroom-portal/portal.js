// The clean-room portal's page: every step is a call to this party's own
// agent (/api/...), which does the work; the page only shows the answers.
'use strict';

const $ = (id) => document.getElementById(id);

// Shows a message in the live region: kind is "info", "ok" or "error".
function say(text, kind = 'info') {
  const box = $('message');
  box.textContent = text;
  box.className = `message ${kind}`;
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new ApiError(0, 'Unreachable', 'the portal does not answer: is it still running?');
  }
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (!response.ok) {
    const error = answer.error || {};
    if (response.status === 401 && error.code === 'SignInRequired') showSignIn();
    throw new ApiError(response.status, error.code || 'Error', error.message || `HTTP ${response.status}`);
  }
  return answer;
}

// Runs one step with its button disabled, and reports how it went once the
// status shown is fresh: whoever reads the outcome (a person, a screen
// reader, a test) then sees the buttons it enabled, such as "Start training".
async function step(button, working, action) {
  button.disabled = true;
  say(working);
  let outcome = null;
  try {
    const text = await action();
    if (text) outcome = [text, 'ok'];
  } catch (error) {
    outcome = [error.message ? `${capitalise(error.message)}` : String(error), 'error'];
  }
  button.disabled = false;
  await refreshStatus().catch(() => {});
  if (outcome) say(...outcome);
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const percent = (value) => `${(value * 100).toFixed(1)}%`;
const yesNo = (value) => (value ? 'yes' : 'no');

function fill(list, facts) {
  list.replaceChildren();
  for (const [term, value, className] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (className) dd.className = className;
    list.append(dt, dd);
  }
}

function row(cells, header = false) {
  const tr = document.createElement('tr');
  cells.forEach((text, index) => {
    const cell = document.createElement(header && index === 0 ? 'th' : 'td');
    if (header && index === 0) cell.scope = 'row';
    cell.textContent = text;
    tr.append(cell);
  });
  return tr;
}

function showSignIn() {
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in-panel').hidden = false;
  $('user').focus();
}

async function showApp() {
  $('sign-in-panel').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  const overview = await api('GET', '/api/overview');
  $('party-name').textContent = `— ${overview.party}`;
  document.title = `Cloister clean room — ${overview.party}`;
  const contract = overview.contract;
  fill($('contract'), [
    ['Name', contract.name],
    ['SHA-256', contract.sha256, 'hash'],
    ['Algorithm', contract.algorithm.replace(/_/g, ' ')],
    ['Data', `${contract.features} features; label ${contract.label} (${contract.positive} or ${contract.negative})`],
  ]);
  const parties = $('contract-parties').querySelector('tbody');
  parties.replaceChildren(
    ...contract.parties.map((p) => row([p.you ? `${p.name} (you)` : p.name, yesNo(p.receives_model)], true)));
  await Promise.all([
    verifyEnclave().then((text) => say(text, 'ok')).catch((error) => say(`The enclave is not verified: ${error.message}`, 'error')),
    refreshStatus().catch(() => {}),
  ]);
}

async function verifyEnclave() {
  $('enclave-state').textContent = 'verifying…';
  try {
    const enclave = await api('GET', '/api/enclave');
    fill($('enclave'), [
      ['State', 'verified by your agent', 'verified'],
      ['Measurement', enclave.measurement, 'hash'],
      ['Signer', enclave.signer, 'hash'],
      ['How', enclave.how],
      ['When', new Date(enclave.when).toLocaleString() + ` (${enclave.when})`],
      ['Contract it enforces', enclave.contract, 'hash'],
    ]);
    return 'The enclave is verified: it is the expected build and enforces your contract.';
  } catch (error) {
    fill($('enclave'), [['State', `NOT verified: ${error.message}`, 'refused']]);
    throw error;
  }
}

async function refreshStatus() {
  if ($('app').hidden) return;
  const status = await api('GET', '/api/status');
  const body = $('status').querySelector('tbody');
  body.replaceChildren(...status.parties.map((p) => row([
    p.name === status.you ? `${p.name} (you)` : p.name,
    yesNo(p.signed),
    p.upload ? `${p.upload.rows} rows (encrypted)` : 'no',
    yesNo(p.key_released),
  ], true)));
  const training = status.training || {};
  let text = `Training: ${training.state || 'idle'}`;
  if (training.run) text += ` (run ${training.run}, ${training.rows} rows, ${Number(training.seconds).toFixed(2)} s)`;
  if (training.detail) text += `: ${training.detail}`;
  $('training-state').textContent = status.ready ? `${text}. Every party is in.` : `${text}. Waiting for every party to sign, upload and release its key.`;
  $('train').disabled = !status.ready || training.state === 'running';
}

async function readCsv() {
  const file = $('csv-file').files[0];
  if (!file) throw new Error('choose a CSV file first');
  if (file.size > 60 * 1024 * 1024) throw new Error('the file is larger than 60 MiB');
  return file.text();
}

const chartNs = 'http://www.w3.org/2000/svg';
function svg(name, attributes, text) {
  const element = document.createElementNS(chartNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// A horizontal bar per model: accuracy from 0 to 100%.
function drawChart(models) {
  // Room on the left for the longest label (about 8 px a character at 14 px).
  const longest = Math.max(...models.map((m) => m.label.length));
  const bar = 34, gap = 18, right = 70, top = 10, left = 16 + 8 * longest, width = left + 330 + right;
  const height = top + models.length * (bar + gap) + 24;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart',
    'aria-label': models.map((m) => `${m.label}: ${percent(m.accuracy)}`).join('; ') });
  const span = width - left - right;
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + tick * span;
    chart.append(svg('line', { x1: x, x2: x, y1: top - 4, y2: height - 20, class: 'tick' }));
    chart.append(svg('text', { x, y: height - 4, 'text-anchor': 'middle', class: 'axis' }, `${tick * 100}%`));
  }
  models.forEach((model, index) => {
    const y = top + index * (bar + gap);
    chart.append(svg('text', { x: left - 10, y: y + bar / 2 + 5, 'text-anchor': 'end', class: 'label' }, model.label));
    chart.append(svg('rect', { x: left, y, width: Math.max(1, model.accuracy * span), height: bar,
      class: index === models.length - 1 ? 'bar joint' : 'bar alone' }));
    chart.append(svg('text', { x: left + model.accuracy * span + 6, y: y + bar / 2 + 5, class: 'value' },
      percent(model.accuracy)));
  });
  $('chart').replaceChildren(chart);
}

async function evaluate() {
  const result = await api('GET', '/api/evaluation');
  $('evaluation-caption').textContent =
    `On your ${result.test_rows} held-out patients (${result.test_positives} positive)`;
  $('evaluation').querySelector('tbody').replaceChildren(...result.models.map((m) => row([
    m.label,
    `${m.trained_on.rows} rows of ${m.trained_on.parties.join(' + ')}`,
    percent(m.accuracy), percent(m.precision), percent(m.recall), m.roc_auc.toFixed(3),
  ], true)));
  drawChart(result.models);
  const [alone, joint] = result.models;
  return `Accuracy: ${percent(alone.accuracy)} on your data alone, ${percent(joint.accuracy)} with the enclave's model.`;
}

function wire() {
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('sign-in');
    button.disabled = true;
    say('Signing in…');
    try {
      await api('POST', '/api/sign-in', { user: $('user').value, password: $('password').value });
      $('password').value = '';
      say('Signed in.', 'ok');
      await showApp();
    } catch (error) {
      $('password').value = '';
      say(error.status === 401 ? 'Wrong user name or password. Try again.' : capitalise(error.message), 'error');
    } finally {
      button.disabled = false;
    }
  });
  $('sign-out').addEventListener('click', async () => {
    await api('POST', '/api/sign-out').catch(() => {});
    showSignIn();
    say('Signed out.', 'ok');
  });
  $('verify').addEventListener('click', (e) => step(e.target, 'Verifying the enclave…', verifyEnclave));
  $('sign-contract').addEventListener('click', (e) => step(e.target, 'Signing the contract…', async () => {
    await api('POST', '/api/sign-contract');
    return 'You signed the contract; the service has your signature.';
  }));
  $('upload').addEventListener('click', (e) => step(e.target, 'Checking and encrypting your CSV…', async () => {
    const csv = await readCsv();
    const result = await api('POST', '/api/upload', { csv });
    $('upload-result').textContent = `${result.rows} rows (${result.positives} positive) encrypted here and uploaded: ` +
      `${result.bytes} bytes of ciphertext, SHA-256 ${result.sha256.slice(0, 16)}…`;
    return `Uploaded ${result.rows} rows, encrypted${result.replaced ? ' (replacing your earlier upload)' : ''}. ` +
      'Now release the data key.';
  }));
  $('release-key').addEventListener('click', (e) => step(e.target, 'Verifying the enclave and releasing the key…', async () => {
    await api('POST', '/api/release-key');
    return 'Your data key was released to the verified enclave, which loaded your data.';
  }));
  $('refresh').addEventListener('click', (e) => step(e.target, 'Refreshing…', async () => 'Status refreshed.'));
  $('train').addEventListener('click', (e) => step(e.target, 'Training inside the enclave…', async () => {
    const run = await api('POST', '/api/train');
    return `Training run ${run.run} finished: ${run.rows} rows in ${Number(run.seconds).toFixed(2)} s inside the enclave.`;
  }));
  $('download').addEventListener('click', (e) => step(e.target, 'Downloading your sealed model…', async () => {
    const model = await api('POST', '/api/model');
    await evaluate();
    return `Your model (trained on ${model.rows} rows of ${model.parties.join(' + ')}) was opened with your key.`;
  }));
  $('evaluate').addEventListener('click', (e) => step(e.target, 'Scoring the models…', evaluate));
}

async function start() {
  wire();
  try {
    await api('GET', '/api/me');
    await showApp();
  } catch {
    showSignIn();
  }
  setInterval(() => refreshStatus().catch(() => {}), 3000);
}

start();
