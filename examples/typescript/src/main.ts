// A typed TypeScript client of the Stable Futures API, as a case system's web front end or
// integration service would write one (docs/integration-guide.md):
//
// - operations written with `graphql()` from the generated `src/gql` (GraphQL Code Generator's
//   client preset, from the committed schema.graphql), so each result and each input is typed
//   and a change to the contract fails `tsc` rather than a council's case system;
// - queries and mutations through @urql/core, asking for the GraphQL-over-HTTP media type first;
// - the change feed's subscription through graphql-ws (`graphql-transport-ws`), authenticated in
//   `connection_init`;
// - creates with an idempotency key (a retry is the same write), updates with `expectedVersion`.
//
// It registers a child, repeats the registration with the same key (the same child comes back),
// updates the child, and checks that both changes arrive through the subscription, in order,
// then reads the child back. It prints ids, kinds and counts only: never a child's details.
//
//   SF_URL=http://127.0.0.1:8080 SF_TOKEN=... node dist/main.js
// (scripts/typescript-example.sh builds it and runs it against a development server.)
import { randomUUID } from 'node:crypto';
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { print } from 'graphql';
import { createClient as createSubscriptionClient } from 'graphql-ws';
import WebSocket from 'ws';

import { graphql } from './gql/index.js';
import type { ChangeKind, FollowSubscription } from './gql/graphql.js';

const FeedEnd = graphql(`
  query FeedEnd {
    changesEndCursor
  }
`);

const Follow = graphql(`
  subscription Follow($after: String) {
    changes(after: $after) {
      cursor
      kind
      entityId
      childId
    }
  }
`);

const RegisterChild = graphql(`
  mutation RegisterChild($input: RegisterChildInput!) {
    registerChild(input: $input) {
      child {
        id
        version
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const UpdateChild = graphql(`
  mutation UpdateChild($input: UpdateChildInput!) {
    updateChild(input: $input) {
      child {
        id
        version
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const ReadChild = graphql(`
  query ReadChild($id: ID!) {
    node(id: $id) {
      ... on Child {
        id
        version
        interpreterRequired
      }
    }
  }
`);

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} must be set`);
  }
  return value;
}

const baseUrl = required('SF_URL');
const token = required('SF_TOKEN');

const client = new Client({
  url: `${baseUrl}/graphql`,
  exchanges: [fetchExchange],
  preferGetMethod: false,
  requestPolicy: 'network-only',
  fetchOptions: () => ({
    headers: {
      authorization: `Bearer ${token}`,
      // The specification's media type first: a request error is then a 400.
      accept: 'application/graphql-response+json, application/json;q=0.9',
    },
  }),
});

/** The data of a query or mutation, or an error naming the operation and its codes. */
async function run<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  kind: 'query' | 'mutation',
): Promise<Data> {
  const result =
    kind === 'query'
      ? await client.query(document, variables).toPromise()
      : await client.mutation(document, variables).toPromise();
  if (result.error || !result.data) {
    const codes = result.error?.graphQLErrors.map((error) => error.extensions?.code) ?? [];
    throw new Error(`${kind} failed: ${codes.join(', ') || result.error?.message || 'no data'}`);
  }
  return result.data;
}

/** A mutation payload's entity, or an error listing its `userErrors` (nothing was written). */
function written<T>(
  payload: { userErrors: { field: readonly string[]; code: string }[] },
  entity: T | null | undefined,
): T {
  if (payload.userErrors.length > 0 || !entity) {
    const problems = payload.userErrors.map((error) => `${error.field.join('.') || '-'}: ${error.code}`);
    throw new Error(`not written: ${problems.join('; ')}`);
  }
  return entity;
}

async function main(): Promise<void> {
  // 1. Where the feed ends now: the subscription starts there.
  const { changesEndCursor } = await run(FeedEnd, {}, 'query');

  // 2. Follow the feed from there.
  const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/graphql/ws`;
  const subscriptions = createSubscriptionClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 5,
  });
  const arrived: { kind: ChangeKind; entityId: string; cursor: string }[] = [];
  let subscriptionError: unknown = null;
  const unsubscribe = subscriptions.subscribe(
    { query: print(Follow), variables: { after: changesEndCursor } },
    {
      next: (message) => {
        // graphql-ws types results loosely: the generated type says what the document selects.
        const data = message.data as FollowSubscription | null | undefined;
        const change = data?.changes;
        if (change) {
          arrived.push(change);
        }
      },
      error: (error) => {
        subscriptionError = error;
      },
      complete: () => {},
    },
  );

  // 3. Register a child with an idempotency key; the same request again is the same write.
  const key = `typescript-example-${randomUUID()}`;
  const input = {
    // At most 20 letters and digits, as a case system's own ids are.
    localChildId: `TS${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
    dateOfBirth: '2011-04-02',
    idempotencyKey: key,
  };
  const first = await run(RegisterChild, { input }, 'mutation');
  const child = written(first.registerChild, first.registerChild.child);
  const again = await run(RegisterChild, { input }, 'mutation');
  const retried = written(again.registerChild, again.registerChild.child);
  if (retried.id !== child.id) {
    throw new Error('a registration retried with its key made a second child');
  }
  console.log(`registered child ${child.id} (version ${child.version}); the retry with its key returned the same child`);

  // 4. Update it, saying which version we saw.
  const updated = await run(
    UpdateChild,
    { input: { childId: child.id, expectedVersion: child.version, interpreterRequired: true } },
    'mutation',
  );
  const now = written(updated.updateChild, updated.updateChild.child);
  console.log(`updated child ${now.id} to version ${now.version}`);

  // 5. Both changes arrive through the subscription, in order, once each.
  const deadline = Date.now() + 15_000;
  const ours = () => arrived.filter((change) => change.entityId === child.id);
  while (ours().length < 2 && Date.now() < deadline && !subscriptionError) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  unsubscribe();
  await subscriptions.dispose();
  if (subscriptionError) {
    throw new Error(`the subscription failed: ${JSON.stringify(subscriptionError)}`);
  }
  const kinds = ours().map((change) => change.kind);
  if (kinds.join(',') !== 'CREATED,UPDATED') {
    throw new Error(`expected CREATED then UPDATED through the subscription, got ${kinds.join(',') || 'nothing'}`);
  }
  console.log(`the subscription delivered ${kinds.join(' then ')} (${arrived.length} change(s) in all)`);

  // 6. Read it back (audited, like every read of a child's data).
  const read = await run(ReadChild, { id: child.id }, 'query');
  const node = read.node;
  if (!node || !('version' in node) || node.version !== now.version || node.interpreterRequired !== true) {
    throw new Error('the child read back is not the one written');
  }
  console.log(`read child ${node.id} back at version ${node.version}`);
  console.log('typescript example passed');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
