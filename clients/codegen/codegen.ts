// GraphQL Code Generator's client preset over relgraph's public schema, with
// strictScalars: every custom scalar must be mapped, as README documents.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['operations/*.graphql'],
  generates: {
    'gen/': {
      preset: 'client',
      config: {
        strictScalars: true,
        scalars: {
          Time: 'string',
          Cursor: 'string',
          Map: 'Record<string, unknown>',

        },
      },
    },
  },
};

export default config;
