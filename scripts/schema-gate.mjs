// The breaking-change gate: each committed schema (schema.graphql, schema-aggregate.graphql)
// against a base version, with GraphQL Inspector's diff (@graphql-inspector/core, its CLI's engine).
//
//   node schema-gate.mjs BASE_LABEL OLD_SCHEMA NEW_SCHEMA CHANGELOG_ADDITIONS
//
// A breaking change fails, unless it removes what the base had already deprecated (Inspector's
// suppressRemovalOfDeprecatedField rule makes that a dangerous change). Every dangerous change
// (a removal after deprecation, a new enum value, a new optional argument's default, ...) must be
// recorded in docs/changelog.md by the same change: its coordinate (`Type.field`,
// `Enum.VALUE`) must appear in the lines the change adds to the changelog
// (CHANGELOG_ADDITIONS, a file). Safe changes pass. Prints every change.
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { diff, CriticalityLevel, DiffRule } from '@graphql-inspector/core';

const [label, oldPath, newPath, additionsPath] = process.argv.slice(2);
const oldSchema = buildSchema(readFileSync(oldPath, 'utf8'));
const newSchema = buildSchema(readFileSync(newPath, 'utf8'));
const additions = readFileSync(additionsPath, 'utf8');

const changes = await diff(oldSchema, newSchema, [DiffRule.suppressRemovalOfDeprecatedField]);
const problems = [];
for (const change of changes) {
  const level = change.criticality.level;
  const mark = { [CriticalityLevel.Breaking]: 'BREAKING ', [CriticalityLevel.Dangerous]: 'dangerous', [CriticalityLevel.NonBreaking]: 'safe     ' }[level];
  console.log(`${label}: ${mark} ${change.path ?? ''} ${change.message}`);
  if (level === CriticalityLevel.Breaking) {
    problems.push(
      `${change.path ?? change.message}: breaking (${change.message}); deprecate it first ` +
        '(`#[graphql(deprecation = "...")]`) and remove it in a later change',
    );
  } else if (level === CriticalityLevel.Dangerous) {
    const coordinate = change.path ?? '';
    if (!coordinate || !additions.includes(coordinate)) {
      problems.push(
        `${coordinate || change.message}: dangerous (${change.message}); record \`${coordinate}\` ` +
          'in docs/changelog.md in the same change',
      );
    }
  }
}
console.log(`${label}: ${changes.length} change(s)`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`${label}: ${problem}`);
  process.exit(1);
}
