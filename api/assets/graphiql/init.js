// Bootstrap for the vendored GraphiQL playground (development only).
// Loaded as an external file so a Content-Security-Policy of script-src 'self'
// works. Expects the React, ReactDOM and GraphiQL UMD globals (see index.html).
(function () {
  'use strict';

  var TOKEN_KEY = 'stable-futures-token';
  var GRAPHQL_URL = '/graphql';
  var SUBSCRIPTION_PATH = '/graphql/ws';

  var DEFAULT_QUERY = [
    '# Stable Futures API — development mode.',
    '# All data behind this playground is synthetic demo data.',
    '#',
    '# Run the query with the play button or Ctrl/Cmd+Enter.',
    '# The bearer token comes from #token=... in the page URL',
    '# (or the one remembered by this browser) and is shown in',
    '# the Headers tab below, where it can be edited.',
    '',
    'query Viewer {',
    '  viewer {',
    '    subject',
    '    scopes',
    '    localAuthority {',
    '      code',
    '      name',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  // A second tab: what each child of the authority needs today (the demo data shows every kind).
  var WORKLIST_QUERY = [
    '# What is due or overdue for the authority\'s children today,',
    '# most overdue first. Each kind is explained in the docs',
    '# (Worklists in the integration guide); thresholds are in',
    '# worklistSettings and changed with updateWorklistSettings.',
    '',
    'query Worklist {',
    '  worklist(first: 20) {',
    '    nodes {',
    '      kind',
    '      dueOn',
    '      overdueByDays',
    '      explanation',
    '      child {',
    '        localChildId',
    '      }',
    '      # An offer from another authority to answer (TRANSFER_OFFER_WAITING):',
    '      # the child is still theirs, so child is null until you accept.',
    '      transfer {',
    '        fromLocalAuthority {',
    '          name',
    '        }',
    '        reason',
    '      }',
    '    }',
    '    pageInfo {',
    '      hasNextPage',
    '      endCursor',
    '    }',
    '  }',
    '  worklistSettings {',
    '    guardianRequestDays',
    '    measurementIntervalDays',
    '    version',
    '  }',
    '}',
    ''
  ].join('\n');

  // A third tab: the README's worked example, line for line (a test in api/src/http/graphiql.rs
  // holds the two together). JSON strings, so the lines need no JavaScript escaping.
  // A fourth tab: the demo data's two transfers from Islington to Camden, one accepted (the child
  // and their records are Camden's now) and one offer still waiting for Camden's answer.
  var TRANSFERS_QUERY = [
    '# Transfers offered by this authority (the demo token is',
    '# Islington\'s): one accepted, one waiting for Camden. With a',
    '# Camden token (stable-futures token --la E09000007) ask for',
    '# incomingTransfers instead, and read the moved child, whose',
    '# records say recordedByLocalAuthority: Islington.',
    '',
    'query Transfers {',
    '  outgoingTransfers(first: 10) {',
    '    nodes {',
    '      id',
    '      status',
    '      reason',
    '      responsibilityFrom',
    '      toLocalAuthority { code name }',
    '      childSummary { ageInYears hasOpenReferrals hasOpenGuardianAssignments }',
    '      timeline { status at }',
    '      child { localChildId }',
    '      version',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  var WORKED_EXAMPLE = [
    "# The README's worked example: run the operations one at a time, in order",
    "# (pick one with the play button's menu), putting the ids each answer",
    "# gives you where the next one says <child id>, <referral id> or",
    "# <assignment id>.",
    "",
    "mutation Register {",
    "  registerChild(input: {",
    "    localChildId: \"LL0012345\", nhsNumber: \"943 476 5919\", dateOfBirth: \"2010-05-01\",",
    "    dateOfBirthEstimated: true, ageDisputed: true, nationalities: [\"VNM\"], languages: [\"vi\"],",
    "    interpreterRequired: true",
    "  }) {",
    "    child { id version }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "mutation Refer {",
    "  submitReferral(input: {",
    "    childId: \"<child id>\", referredAt: \"2025-03-03T09:00:00Z\",",
    "    firstResponder: { organisationType: LOCAL_AUTHORITY, organisationName: \"Islington Children's Services\" },",
    "    exploitationTypes: [LABOUR, CRIMINAL], countyLines: true,",
    "    exploitationLocation: UK_AND_OVERSEAS, competentAuthority: SCA",
    "  }) {",
    "    referral { id status version }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "mutation Decide {",
    "  recordReasonableGroundsDecision(input: {",
    "    referralId: \"<referral id>\", expectedVersion: 1, outcome: POSITIVE, decidedAt: \"2025-03-10T15:00:00Z\"",
    "  }) {",
    "    referral { status recoveryPeriodEndsOn daysToReasonableGrounds reasonableGroundsWithinTarget version }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "mutation RequestGuardian {",
    "  requestGuardian(input: {",
    "    childId: \"<child id>\", service: ICTG, role: DIRECT_WORKER, requestedAt: \"2025-03-04T09:00:00Z\"",
    "  }) {",
    "    assignment { id status version }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "mutation AssignGuardian {",
    "  assignGuardian(input: { assignmentId: \"<assignment id>\", expectedVersion: 1, assignedAt: \"2025-03-12T11:00:00Z\" }) {",
    "    assignment { status daysToAssignment }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "mutation Measure {",
    "  recordOutcomeMeasurement(input: {",
    "    childId: \"<child id>\", outcomeKey: \"being_listened_to\", observedAt: \"2025-04-01T10:00:00Z\",",
    "    youngPersonParticipated: true, youngPersonRating: 4, youngPersonWords: \"My guardian listens to me\",",
    "    practitionerRating: 3, practitionerNote: \"Settling in well\"",
    "  }) {",
    "    measurement { id }",
    "    userErrors { field message code }",
    "  }",
    "}",
    "",
    "query ReadBack {",
    "  child(id: \"<child id>\") {",
    "    localChildId ageDisputed interpreterRequired version",
    "    referrals(first: 10) {",
    "      nodes {",
    "        status exploitationTypes countyLines",
    "        reasonableGrounds { outcome decidedAt }",
    "        recoveryPeriodEndsOn daysToReasonableGrounds reasonableGroundsWithinTarget",
    "        timeline { kind at outcome }",
    "      }",
    "    }",
    "    guardianAssignments { service role status daysToAssignment daysFromReferralToAssignment }",
    "    outcomeMeasurements(first: 10) {",
    "      nodes { outcome { key title } youngPersonRating youngPersonWords practitionerNote }",
    "    }",
    "  }",
    "}",
    ""
  ].join('\n');

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      if (value) {
        window.localStorage.setItem(key, value);
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (e) {
      // Storage unavailable (e.g. disabled); the token still works for this page load.
    }
  }

  // Token from the URL fragment (#token=...), which is then removed from the
  // address bar; otherwise the one remembered in localStorage. An empty
  // "#token=" forgets the remembered token.
  function readToken() {
    var hash = window.location.hash ? window.location.hash.slice(1) : '';
    var params = new URLSearchParams(hash);
    if (params.has('token')) {
      var fromUrl = (params.get('token') || '').trim();
      params.delete('token');
      var rest = params.toString();
      window.history.replaceState(
        window.history.state,
        '',
        window.location.pathname + window.location.search + (rest ? '#' + rest : '')
      );
      storageSet(TOKEN_KEY, fromUrl);
      return fromUrl || null;
    }
    var stored = storageGet(TOKEN_KEY);
    return stored ? stored : null;
  }

  function hasHeader(headers, name) {
    var wanted = name.toLowerCase();
    return Object.keys(headers || {}).some(function (key) {
      return key.toLowerCase() === wanted;
    });
  }

  var token = readToken();
  var authHeaders = token ? { Authorization: 'Bearer ' + token } : {};
  var headersJson = token ? JSON.stringify(authHeaders, null, 2) : '';

  // GraphiQL passes the (parsed) contents of its headers editor as
  // opts.headers, and createFetcher merges those into the request. The token
  // is only added when the editor does not already set Authorization, so
  // whatever the user types in the headers editor wins.
  // Subscriptions go over graphql-transport-ws on the same host. GraphiQL's fetcher merges the
  // headers passed to it into the connection_init payload, which is where the server reads the
  // token from, so the Authorization header below serves subscriptions too.
  var subscriptionUrl =
    (window.location.protocol === 'https:' ? 'wss://' : 'ws://') +
    window.location.host +
    SUBSCRIPTION_PATH;
  var baseFetcher = GraphiQL.createFetcher({ url: GRAPHQL_URL, subscriptionUrl: subscriptionUrl });
  function fetcher(graphQLParams, opts) {
    var editorHeaders = (opts && opts.headers) || {};
    var headers = hasHeader(editorHeaders, 'Authorization')
      ? editorHeaders
      : Object.assign({}, authHeaders, editorHeaders);
    return baseFetcher(graphQLParams, Object.assign({}, opts, { headers: headers }));
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: DEFAULT_QUERY,
    defaultTabs: [
      { query: DEFAULT_QUERY },
      { query: WORKLIST_QUERY },
      { query: WORKED_EXAMPLE },
      { query: TRANSFERS_QUERY }
    ],
    defaultEditorToolsVisibility: token ? 'headers' : true,
    shouldPersistHeaders: false
  };
  if (token) {
    // `headers` sets the editor on load (overriding any headers GraphiQL may
    // have persisted); `defaultHeaders` seeds new tabs.
    props.headers = headersJson;
    props.defaultHeaders = headersJson;
  }

  var container = document.getElementById('graphiql');
  container.textContent = '';
  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
})();
