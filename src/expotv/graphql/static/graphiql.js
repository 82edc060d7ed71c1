// GraphiQL over this server's /graphql, from files served by the app itself (no
// CDN). The dashboard's session cookie goes along (same origin); a Bearer token
// can be set in the headers editor.
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({ url: "graphql" });
  var defaultQuery =
    "# Consultas do EXPO TV. Exemplo:\n" +
    "query {\n  me { nome nivel }\n  tvs(limit: 10) {\n    total\n" +
    "    items { codigo nome status condominio { nome } }\n  }\n}\n";
  ReactDOM.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }),
    document.getElementById("graphiql")
  );
})();
