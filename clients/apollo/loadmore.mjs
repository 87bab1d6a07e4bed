// A stock Apollo Client 4 "load more" over relgraph: relayStylePagination on
// the applications connection, asking only for pageInfo, fetchMore until
// hasNextPage is false. Prints the pages it took and the cursors it saw, as
// JSON; exits 1 if it does not stop within a bound. Usage:
//   node loadmore.mjs http://127.0.0.1:8080/graphql PAGE_SIZE
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';

const [url, pageSizeArg] = process.argv.slice(2);
const pageSize = Number(pageSizeArg ?? 10);

const client = new ApolloClient({
  link: new HttpLink({ uri: url }),
  cache: new InMemoryCache({
    typePolicies: { Query: { fields: { applications: relayStylePagination(['orderBy', 'where']) } } },
  }),
});

const PAGE = gql`
  query Page($first: Int!, $after: Cursor) {
    applications(first: $first, after: $after, orderBy: { field: NAME }) {
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const bound = 1000;
let pages = 1;
let result = await client.query({ query: PAGE, variables: { first: pageSize } });
const cursors = [result.data.applications.pageInfo.endCursor];
while (result.data.applications.pageInfo.hasNextPage) {
  if (pages >= bound) {
    console.error(`no last page after ${bound} pages: the load-more loop would run forever`);
    process.exit(1);
  }
  const endCursor = result.data.applications.pageInfo.endCursor;
  if (!endCursor) {
    console.error('hasNextPage without an endCursor: nothing to load more from');
    process.exit(1);
  }
  result = await client.query({ query: PAGE, variables: { first: pageSize, after: endCursor }, fetchPolicy: 'network-only' });
  cursors.push(result.data.applications.pageInfo.endCursor);
  pages++;
}
console.log(JSON.stringify({ pages, cursors: new Set(cursors).size }));
