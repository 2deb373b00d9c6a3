// Types for every operation in src/, generated from the committed contract (schema.graphql):
// a field that changes or goes away there fails `tsc` here before it fails at run time.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: {
        // Strings for the custom scalars, as they travel (`Date` is `YYYY-MM-DD`).
        scalars: { Date: 'string', DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        // `.js` in the generated imports, as Node's ES modules need.
        emitLegacyCommonJSImports: false,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
