// SPDX-License-Identifier: EUPL-1.2
// End-to-end: a full interview by the psychologist (in French, keyboard
// only for signing in), a second rater (the educator, in English, one item
// entirely by keyboard), the consensus view with the raters' disagreements
// side by side, the chair's decision, the export and download of the
// commission's PDF, and the administrator's page. Every form field on every
// page visited must have a label. All data is fictional.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '..', '..');
const colloquy = process.env.COLLOQUY;
const out = resolve(process.argv[2] || join(tmpdir(), 'colloquy-e2e'));
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'cq-e2e-'));
const db = join(work, 'unit.db');
const PASSWORD = 'a long fictional passphrase';

let tests = 0;
let failed = 0;
function ok(cond, name) {
  tests++;
  if (cond) console.log(`ok ${tests} - ${name}`);
  else { failed++; console.log(`not ok ${tests} - ${name}`); }
}

function cli(args, input) {
  const r = spawnSync(colloquy, args, { input, env: { ...process.env, COLLOQUY_DB: db, COLLOQUY_MEMBER: 'setup' } });
  if (r.status !== 0) throw new Error(`colloquy ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

// A fresh database: the team, one case, one assessment of the example instrument.
cli(['init']);
for (const [id, role, name] of [['ana', 'psychologist', 'Ana Fictive'], ['bo', 'educator', 'Bo Exemple'],
  ['di', 'commission-chair', 'Di Modèle'], ['admin', 'administrator', 'Ada Admin']]) {
  cli(['member', 'add', id, '--role', role, '--name', name]);
  cli(['member', 'password', id], PASSWORD + '\n');
}
cli(['case', 'open', 'K-2026-014', '--unit', 'QER (fictional)']);
const assessment = cli(['assessment', 'open', 'K-2026-014', '--kind', 'initial-evaluation',
  '--instrument', join(source, 'instruments', 'example'), '--date', '2026-02-02']);

// The server, on any free loopback port.
const server = spawn(colloquy, ['serve', '--db', db, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
// Its end, whenever it comes (a crash during the walk included).
const exited = new Promise((res) => server.on('exit', (code, signal) => res({ code, signal })));
const base = await new Promise((res, rej) => {
  let buf = '';
  server.stdout.on('data', (d) => {
    buf += d;
    const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
    if (m) res(m[1]);
  });
  server.on('exit', (code) => rej(new Error(`colloquy serve exited (${code}): ${serverLog}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--no-sandbox', '--no-proxy-server', '--disable-gpu', '--disable-dev-shm-usage'],
});

let shots = 0;
async function shot(page, name) {
  await page.screenshot({ path: join(out, `${String(++shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// Every visible form field has a label: <label for>, aria-label or aria-labelledby.
async function labelled(page, what) {
  const missing = await page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label');
      if (!byFor && !named) bad.push(el.name || el.id || el.outerHTML.slice(0, 60));
    }
    for (const b of document.querySelectorAll('button')) if (!b.textContent.trim()) bad.push('button');
    return bad;
  });
  ok(missing.length === 0, `every field is labelled: ${what}${missing.length ? ' (missing: ' + missing.join(', ') + ')' : ''}`);
}

// Presses Tab until the focused element matches selector.
async function tabTo(page, selector, max = 120) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return true;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function signIn(page, member, keyboard, sees = 'table.list') {
  await page.goto(`${base}/`);
  ok(page.url().includes('/login'), `${member}: nobody is sent to the sign-in page`);
  if (keyboard) {
    await tabTo(page, '#member');
    await page.keyboard.type(member);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
  } else {
    await page.fill('#member', member);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
  }
  await page.waitForURL(`${base}/`);
  ok(await page.locator(sees).count() > 0, `${member}: signed in, sees ${sees}`);
}

// What each rater answers, by item; anything else is skipped.
const evidence = (page, i, e) => Promise.all([]).then(async () => {
  await page.fill(`#e${i}-statement`, e.statement);
  await page.selectOption(`#e${i}-direction`, e.direction || 'supports');
  await page.selectOption(`#e${i}-kind`, e.kind || 'fact');
  await page.selectOption(`#e${i}-source`, e.source || 'interview');
  if (e.origin) await page.fill(`#e${i}-origin`, e.origin);
  if (e.date) await page.fill(`#e${i}-date`, e.date);
  if (e.reliability) await page.selectOption(`#e${i}-reliability`, e.reliability);
});

async function rate(page, { value, relevance, rationale, ev = [], missing }) {
  await page.check(`#value-${value}`);
  if (relevance) await page.check(`#relevance-${relevance}`);
  if (missing) await page.fill('#missing', missing);
  if (rationale) await page.fill('#rationale', rationale);
  for (let i = 0; i < ev.length; i++) {
    if (i > 0) {
      await page.click('button[value=more]');
      await page.waitForLoadState();
    }
    await evidence(page, i, ev[i]);
  }
}

const psychologist = {
  'lc.timeline': async (page) => {
    await page.fill('#r0-when', '2012-09');
    await page.selectOption('#r0-event', 'migration');
    await page.fill('#r0-age', '11');
    await page.click('button[value=more]');
    await page.waitForLoadState();
    await page.fill('#r1-when', '2015-06');
    await page.selectOption('#r1-event', 'school-exit');
  },
  'lc.trauma': (page) => rate(page, { value: 'partial', rationale: 'Bereavement in adolescence, spoken of with difficulty.',
    ev: [{ statement: 'Describes the death of an older brother.', kind: 'assessment', origin: 'sitting 2', date: '2026-02-09' }] }),
  'net.isolation': (page) => rate(page, { value: 'partial', relevance: 'moderate', rationale: 'Some ties inside; few outside.',
    ev: [{ statement: 'Names one friend on the wing.', kind: 'assessment', origin: 'sitting 2' }] }),
  'cc.discrepancy': (page) => rate(page, { value: 'absent', rationale: 'Consistent account over three sittings.',
    ev: [{ statement: 'Same account three times.', kind: 'assessment', origin: 'sittings 1-3' },
      { statement: 'Dates agree.', source: 'file', origin: 'court file' }] }),
  'pf.parent-role': (page) => rate(page, { value: 'present', rationale: 'Asks about her children at every sitting.',
    ev: [{ statement: 'Keeps the drawings her children send.', kind: 'assessment' }] }),
  'gs.interviewer-choice': (page) => page.check('#value-female'),
  'acc.own-account': (page) => page.fill('#text', 'Je veux qu’on sache que mes intentions ont changé. « إنما الأعمال بالنيات »'),
};

const educator = {
  'lc.school-disruption': (page) => rate(page, { value: 'present', rationale: 'Left school at 15 after two moves.',
    ev: [{ statement: 'Two changes of school, no diploma.', source: 'file', origin: 'school file', date: '2026-01-15' }] }),
  'pf.family-support': (page) => rate(page, { value: 'partial', rationale: 'Letters from her sister; no visits.',
    ev: [{ statement: 'Weekly letters.', source: 'third-party', origin: 'sister' }] }),
};

// Walks every item the walker offers, answering from script, skipping the rest.
async function walk(page, who, script, keyboardItem) {
  await page.goto(`${base}/a/${assessment}`);
  await labelled(page, `${who}'s assessment page`);
  await shot(page, `${who}-assessment`);
  await page.click('a.button.primary');
  const seen = new Set();
  for (let guard = 0; guard < 40; guard++) {
    await page.waitForLoadState();
    const url = page.url();
    if (!url.includes('/item/')) break;
    const id = url.split('/item/')[1].split('?')[0];
    if (seen.has(id)) { // skipped earlier and offered again: leave it
      break;
    }
    seen.add(id);
    await labelled(page, `${who} item ${id}`);
    if (id === keyboardItem) {
      // Keyboard only: Tab to the rating, arrows to the level, Space, type, Enter on Save.
      await tabTo(page, 'input[name=value]');
      await page.keyboard.press('ArrowDown'); // absent -> partial
      await page.keyboard.press('ArrowDown'); // -> present
      await page.keyboard.press('Space');
      await tabTo(page, 'input[name=relevance]');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown'); // high
      await page.keyboard.press('Space');
      await tabTo(page, '#rationale');
      await page.keyboard.type('Spends exercise time alone.');
      await tabTo(page, '#e0-statement');
      await page.keyboard.type('Alone in the yard four weeks out of four.');
      await shot(page, `${who}-keyboard-${id}`);
      await tabTo(page, 'button[value=save]');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => !u.toString().endsWith(`/item/${id}`));
      ok(page.url().includes('saved=1'), `${who}: ${id} answered and saved with the keyboard alone`);
      continue;
    }
    if (script[id]) {
      await script[id](page);
      if (shots < 12) await shot(page, `${who}-${id}`);
      await page.click('button[value=save]');
      await page.waitForLoadState();
      const problem = await page.locator('.problem').count();
      ok(problem === 0, `${who}: ${id} saved${problem ? ': ' + await page.locator('.problem').textContent() : ''}`);
    } else {
      await page.click('button[value=skip]');
    }
  }
}

try {
  // The psychologist, in French; signs in with the keyboard alone.
  const ctxA = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const a = await ctxA.newPage();
  await a.goto(`${base}/login`);
  await labelled(a, 'sign-in page');
  await shot(a, 'login-fr');
  ok((await a.getAttribute('html', 'lang')) === 'fr', 'French from Accept-Language');
  await signIn(a, 'ana', true);
  await shot(a, 'ana-home');
  await walk(a, 'ana', psychologist, null);
  await a.goto(`${base}/a/${assessment}`);
  const progress = await a.locator('.progress .count').allTextContents();
  ok(progress.length > 0, `ana sees progress per module: ${progress.join(' ')}`);
  await shot(a, 'ana-progress');
  // Resume: the walk starts at the first item still to answer (or says all are done).
  await a.goto(`${base}/a/${assessment}/walk`);
  ok(!a.url().includes('lc.timeline'), 'resuming does not start over at an answered item');

  // The educator, in English, with the language link; net.isolation by keyboard alone.
  const ctxB = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  const b = await ctxB.newPage();
  await signIn(b, 'bo', false);
  ok((await b.getAttribute('html', 'lang')) === 'en', 'English from Accept-Language');
  await b.click('a[hreflang=fr]');
  ok((await b.getAttribute('html', 'lang')) === 'fr', 'the language link switches to French');
  await b.click('a[hreflang=en]');
  await walk(b, 'bo', educator, 'net.isolation');

  // The chair: the consensus, side by side, with the disagreement on net.isolation.
  const ctxC = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const c = await ctxC.newPage();
  await signIn(c, 'di', false);
  await c.goto(`${base}/a/${assessment}/consensus`);
  await labelled(c, 'consensus page');
  const head = await c.locator('table.grid thead').textContent();
  ok(head.includes('ana') && head.includes('bo'), 'the raters are side by side');
  const row = c.locator('table.grid tr.differ', { hasText: 'isolation' });
  ok(await row.count() === 1, 'net.isolation is shown as a disagreement');
  ok((await row.textContent()).includes('Partial') && (await row.textContent()).includes('Present'),
    'both ratings appear in the row');
  await shot(c, 'di-consensus');
  const form = c.locator('#c-net\\.isolation form');
  await form.locator('input[value=present]').check();
  await form.locator('textarea[name=rationale]').fill('The team agrees on present: the yard log is decisive.');
  await form.locator('button[type=submit]').click();
  await c.waitForLoadState();
  ok(await c.locator('.notice').count() === 1, 'consensus saved');
  ok((await c.locator('table.grid tr', { hasText: 'isolation' }).locator('td.consensus').textContent()).includes('Present'),
    'the consensus shows in the table');

  // The chair's decision.
  await c.goto(`${base}/a/${assessment}/decision`);
  await labelled(c, 'decision page');
  await c.check('#priority-moderate');
  await c.check('#seriousness-low');
  await c.check('#imminence-low');
  await c.check('#placement-ordinary');
  await c.fill('#support', 'Parenting workshop; monthly probation meetings after release.');
  await c.fill('#rationale', 'Isolation (net.isolation) is present but family ties (pf.family-support) hold.');
  await c.fill('#limitations', 'Few sources outside the prison.');
  await c.fill('#valid_until', '2026-08-20');
  await c.fill('#next_review', '2026-08-01');
  await shot(c, 'di-decision');
  await c.click('button.primary');
  await c.waitForLoadState();
  ok(c.url().includes('saved=1'), 'the chair records the decision');

  // Export and download the commission's PDF.
  await c.goto(`${base}/a/${assessment}/export`);
  await labelled(c, 'export page');
  await c.check('#profile-commission');
  await shot(c, 'di-export');
  const [download] = await Promise.all([c.waitForEvent('download'), c.click('button.primary')]);
  const pdfPath = join(out, 'synthesis-commission.pdf');
  await download.saveAs(pdfPath);
  const pdf = readFileSync(pdfPath);
  ok(pdf.subarray(0, 5).toString() === '%PDF-', 'the download is a PDF');
  ok(pdf.includes('/FT /Sig') || pdf.includes('/FT/Sig'), 'it has signature fields, ready to sign');
  ok(download.suggestedFilename() === `${assessment}-commission.pdf`, 'named after the assessment and profile');

  // The administrator: the team, without any case.
  const ctxD = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const d = await ctxD.newPage();
  await signIn(d, 'admin', false, 'a[href="/admin"]');
  ok(await d.locator('table.list').count() === 0, 'the administrator sees no case list');
  await d.goto(`${base}/admin`);
  await labelled(d, 'administration page');
  ok((await d.locator('table.list tbody tr').count()) === 4, 'the administrator sees the team');
  await shot(d, 'admin');
  const r = await d.goto(`${base}/a/${assessment}`);
  ok(r.status() === 403, 'the administrator reads no case');

  // Nothing sensitive in the server's log.
  for (const s of ['K-2026', 'ana', 'isolation', 'passphrase', 'yard']) ok(!serverLog.includes(s), `the server log holds no '${s}'`);
} catch (e) {
  failed++;
  const lines = String(e.stack || e).split('\n');
  console.log(`not ok ${++tests} - ${lines[0]}`);
  for (const l of lines.slice(1)) console.log(`# ${l}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  const end = await exited;
  ok(end.code === 0, `colloquy serve stops cleanly (exit ${end.code}, signal ${end.signal})`);
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(out, 'server.log'), serverLog);
console.log(`1..${tests}`);
process.exit(failed ? 1 : 0);
