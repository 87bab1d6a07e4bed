// init.js starts GraphiQL on the page served by package graphiql
// (github.com/relgraph/relgraph/graphiql). It is a separate file rather
// than an inline <script> so that the page's Content-Security-Policy can
// forbid inline scripts. The page passes its settings as data- attributes
// of the #graphiql element:
//
//   data-endpoint  the GraphQL endpoint, resolved against the page URL
//   data-title     the name shown in place of the GraphiQL logo
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  var title = root.getAttribute('data-title') || 'GraphiQL';

  // Same-origin absolute URL, e.g. http://host:port/graphql.
  var url = new URL(endpoint, window.location.href).toString();

  var props = {
    fetcher: GraphiQL.createFetcher({ url: url }),
    // Let users send e.g. {"Authorization": "Bearer ..."}.
    isHeadersEditorEnabled: true,
    // Don't write credentials typed in the headers editor to localStorage.
    shouldPersistHeaders: false,
  };

  ReactDOM.createRoot(root).render(
    React.createElement(
      GraphiQL,
      props,
      React.createElement(GraphiQL.Logo, null, title)
    )
  );
})();
