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
  } finally {
    await browser.close();
  }
})().catch((error) => fail(String(error)));
