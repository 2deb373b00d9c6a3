// The served GraphiQL page, driven in headless Chromium as an integration developer uses it:
// the development token from the URL reaches the headers, a query runs, a subscription runs over
// /graphql/ws and shows a change written meanwhile, and the page breaks none of its own
// Content-Security-Policy. Run by scripts/graphiql-check.sh (SF_URL, SF_TOKEN, CHROMIUM set).
'use strict';
const { chromium } = require('playwright-core');

const url = process.env.SF_URL;
const token = process.env.SF_TOKEN;

function fail(message) {
  console.error(`graphiql check failed: ${message}`);
  process.exit(1);
}

async function run(page, operation) {
  await page.evaluate((text) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text);
  }, operation);
  // GraphiQL reads the operation's name from the editor a moment after it changes.
  await page.waitForTimeout(500);
  await page.click('.graphiql-execute-button');
}

function result(page) {
  return page.evaluate(
    () => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()
  );
}

async function waitForResult(page, predicate, what) {
  const deadline = Date.now() + 15000;
  let text = '';
  while (Date.now() < deadline) {
    text = await result(page);
    if (predicate(text)) return text;
    await page.waitForTimeout(100);
  }
  fail(`${what}; the result pane shows: ${text.slice(0, 300)}`);
}

// A demo child's outcome profile chart, as a case system would embed it: the SVG alone in a page,
// rendered by Chromium with no console error, its pixels not blank, its title and description
// present. Writes the SVG and a screenshot under target/chart-check/ for a person to look at.
async function checkChart(browser) {
  const post = (query, variables) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }).then((response) => response.json());
  const found = await post(
    'query($id: String!) { childByLocalId(localChildId: $id) { outcomeProfileChart { svg textAlternative } } }',
    { id: 'DEMO0001' }
  );
  const chart = found?.data?.childByLocalId?.outcomeProfileChart;
  if (!chart) fail(`no chart for the demo child: ${JSON.stringify(found).slice(0, 300)}`);
  if (!chart.svg.includes('<title') || !chart.svg.includes('<desc')) fail('the chart has no title or desc');
  if (chart.textAlternative.trim().length === 0) fail('the chart has no text alternative');
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 700, height: 700 } });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text().slice(0, 200));
  });
  page.on('pageerror', (error) => problems.push(String(error).slice(0, 200)));
  await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${chart.svg}</body></html>`);
  const rendered = await page.evaluate(async () => {
    const svg = document.querySelector('svg');
    if (!svg) return { error: 'no svg element' };
    const box = svg.getBoundingClientRect();
    const image = new Image();
    image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg.outerHTML);
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 640;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, 640, 640);
    context.drawImage(image, 0, 0, 640, 640);
    const pixels = context.getImageData(0, 0, 640, 640).data;
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] < 240 || pixels[i + 1] < 240 || pixels[i + 2] < 240) inked += 1;
    }
    return { width: box.width, height: box.height, inked };
  });
  if (rendered.error) fail(`the chart did not render: ${rendered.error}`);
  if (rendered.width < 100 || rendered.height < 100) fail(`the chart rendered ${rendered.width}×${rendered.height}`);
  // Axes, grid, two series and labels: well over 1% of the picture is drawn.
  if (rendered.inked < 640 * 640 * 0.01) fail(`the chart is blank (${rendered.inked} inked pixels)`);
  const fs = require('fs');
  const path = require('path');
  const out = path.join(process.cwd(), 'target', 'chart-check');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'outcome-profile.svg'), chart.svg);
  await page.screenshot({ path: path.join(out, 'outcome-profile.png') });
  await page.close();
  if (problems.length > 0) fail(`the chart page reported:\n  ${problems.join('\n  ')}`);
  console.log(`outcome profile chart: rendered ${rendered.width}×${rendered.height}, ${rendered.inked} inked pixels, no console errors`);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox'],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      // A failed load is reported with its address by the response handler below.
      const text = message.text();
      if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
        problems.push(text.slice(0, 200));
      }
    });
    page.on('pageerror', (error) => problems.push(String(error).slice(0, 200)));
    page.on('response', (response) => {
      // Chromium asks for a favicon the server does not have.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    await page.goto(`${url}/#token=${token}`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30000 });
    if (page.url().includes('token=')) fail('the token stayed in the address bar');

    // The default tabs: the viewer, the worklist and the README's worked example (a tab is
    // titled by its first operation).
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    if (!['Viewer', 'Worklist', 'Register'].every((title) => tabs.some((tab) => tab.includes(title)))) {
      fail(`the default tabs are not the viewer, the worklist and the worked example: ${JSON.stringify(tabs)}`);
    }

    // The default query, with the token GraphiQL put in its headers.
    await run(page, 'query Viewer { viewer { localAuthority { code } } }');
    await waitForResult(page, (text) => text.includes('"E09000019"'), 'the query did not answer');

    // The worklist of the demo data shows every kind, the young person turning 18 among them.
    // (Two kinds only: the result pane renders just the lines in view.)
    await run(
      page,
      'query Worklist { worklist(first: 5, kinds: [TURNING_18, YOUNG_PERSON_VIEW_MISSING]) { nodes { kind } } }'
    );
    await waitForResult(
      page,
      (text) => text.includes('TURNING_18') && text.includes('YOUNG_PERSON_VIEW_MISSING'),
      'the worklist did not answer with the demo items'
    );

    // A subscription, then a write through the API: the change shows up in the result pane.
    await run(page, 'subscription Live { changes { kind entityId } }');
    await page.waitForTimeout(1000);
    const written = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          'mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } userErrors { code } } }',
        variables: { input: { localChildId: `GQL${Date.now() % 100000000}`, dateOfBirth: '2011-04-01' } },
      }),
    }).then((response) => response.json());
    const child = written?.data?.registerChild?.child?.id;
    if (!child) fail(`the write failed: ${JSON.stringify(written)}`);
    await waitForResult(
      page,
      (text) => text.includes(child),
      'the subscription did not show the change written meanwhile'
    );
    if (problems.length > 0) fail(`the page reported:\n  ${problems.join('\n  ')}`);
    console.log('GraphiQL: query, worklist, subscription over /graphql/ws, no console errors');
    await checkChart(browser);
  } finally {
    await browser.close();
  }
})().catch((error) => fail(String(error)));
