// init.js starts GraphiQL on the page served by package graphiql
// (github.com/relgraph/relgraph/graphiql). It is a separate file rather
// than an inline <script> so that the page's Content-Security-Policy can
// forbid inline scripts. The page passes its settings as data- attributes
// of the #graphiql element:
//
//   data-endpoint       the GraphQL endpoint, resolved against the page URL
//   data-title          the name shown in place of the GraphiQL logo
//   data-default-query  the text of a new editor tab (a relgraph starter
//                       query rather than GraphiQL's generic welcome)
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var title = root.getAttribute('data-title') || 'GraphiQL';
  var defaultQuery = root.getAttribute('data-default-query');

  // Same-origin absolute URL, e.g. http://host:port/graphql.
  var url = new URL(endpoint, window.location.href).toString();
  // The same endpoint as a WebSocket URL (ws: or wss: as the page), for
  // subscriptions: GraphiQL's fetcher opens it with the graphql-ws client
  // that its bundle includes, one connection per subscription, sending the
  // Headers tab (e.g. {"Authorization": "Bearer ..."}) as the
  // connection_init payload, where the server accepts the token.
  var subscriptionUrl = url.replace(/^http/, 'ws');

  var props = {
    fetcher: GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl }),
    // Let users send e.g. {"Authorization": "Bearer ..."}.
    isHeadersEditorEnabled: true,
    // Don't write credentials typed in the headers editor to localStorage.
    shouldPersistHeaders: false,
  };
  if (defaultQuery) {
    // New tabs start from relgraph's starter query.
    props.defaultQuery = defaultQuery;
  }

  ReactDOM.createRoot(root).render(
    React.createElement(
      GraphiQL,
      props,
      React.createElement(GraphiQL.Logo, null, title)
    )
  );
})();
