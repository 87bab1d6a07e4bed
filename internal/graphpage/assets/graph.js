// graph.js draws a release's impact graph on the page served by package
// graphpage (github.com/relgraph/relgraph/internal/graphpage). It is a
// separate file rather than an inline <script> so that the page's
// Content-Security-Policy can forbid inline scripts.
//
// It reads the release id from the page URL (?release=ID, ?maxDepth=N to
// draw fewer hops, ?pageSize=N to page differently), asks the GraphQL endpoint (the body's data-endpoint)
// for the release's impact and conflicts with the public API, lets dagre
// place the nodes, and draws the SVG itself. Everything it shows from the
// server is set as text, never as HTML.
//
// The rendered SVG is meant to be read by tests too: each application is a
// <g class="node ..."> with data-id, data-name and data-distance, and the
// classes changed, impacted, shared and conflict; each dependency is a
// <path class="edge"> with data-consumer and data-provider; the body's
// data-state is loading, ready, empty (no release chosen) or error.
(function () {
  'use strict';

  var TOKEN_KEY = 'relgraph.token';
  // Beyond this many applications the layout takes too long in a browser.
  var MAX_NODES = 1500;
  var SVG_NS = 'http://www.w3.org/2000/svg';

  // Node geometry, in SVG units.
  var NODE_HEIGHT = 42;
  var NODE_PADDING = 14;
  var BAND_LABEL_WIDTH = 120;

  var body = document.body;
  var endpoint = new URL(body.getAttribute('data-endpoint') || '/graphql', window.location.href).toString();
  var params = new URLSearchParams(window.location.search);
  var releaseID = (params.get('release') || '').trim();
  var maxDepthParam = (params.get('maxDepth') || '').trim();
  var maxDepth = /^\d+$/.test(maxDepthParam) ? parseInt(maxDepthParam, 10) : null;
  // Impacted applications asked for per request: 200 keeps each request far
  // below the server's default complexity limit and page size. ?pageSize=N
  // (1 to 1000) changes it, for a server configured with smaller limits.
  var pageSizeParam = parseInt(params.get('pageSize') || '', 10);
  var PAGE_SIZE = pageSizeParam >= 1 && pageSizeParam <= 1000 ? pageSizeParam : 200;

  var el = {
    canvas: document.getElementById('canvas'),
    status: document.getElementById('status'),
    error: document.getElementById('error'),
    summary: document.getElementById('summary'),
    legend: document.getElementById('legend'),
    conflicts: document.getElementById('conflicts'),
    details: document.getElementById('details'),
    release: document.getElementById('release'),
    depth: document.getElementById('depth'),
    pick: document.getElementById('pick'),
    tokenToggle: document.getElementById('token-toggle'),
    tokenForm: document.getElementById('token-form'),
    token: document.getElementById('token'),
    tokenForget: document.getElementById('token-forget'),
    zoomIn: document.getElementById('zoom-in'),
    zoomOut: document.getElementById('zoom-out'),
    zoomFit: document.getElementById('zoom-fit')
  };

  // ---- GraphQL -----------------------------------------------------------

  var RELEASES_QUERY =
    'query GraphPageReleases { releases(first: 500, orderBy: {field: NAME}) { ' +
    'edges { node { id name status } } } }';

  var IMPACT_PAGE =
    'fragment ImpactPage on ImpactedApplicationConnection { totalCount ' +
    'pageInfo { hasNextPage endCursor } ' +
    'edges { node { distance application { id name owner criticality dependsOn { id } } path { id name } } } }';

  var RELEASE_QUERY =
    'query GraphPageRelease($id: ID!, $maxDepth: Int, $first: Int!) { node(id: $id) { __typename ' +
    '... on Release { id name status startsAt endsAt ' +
    'impact(maxDepth: $maxDepth) { changed { id } shared { id } impactedApplications(first: $first) { ...ImpactPage } } ' +
    'conflicts { releases { id name status } overlapStart overlapEnd sharedApplications { id name } } } } } ' +
    IMPACT_PAGE;

  var MORE_QUERY =
    'query GraphPageImpactPage($id: ID!, $maxDepth: Int, $first: Int!, $after: Cursor!) { node(id: $id) { ' +
    '... on Release { impact(maxDepth: $maxDepth) { impactedApplications(first: $first, after: $after) { ...ImpactPage } } } } } ' +
    IMPACT_PAGE;

  // GraphQLError carries the errors of a GraphQL response, or a transport
  // failure, as one message; code is the first error's extensions.code.
  function GraphQLError(message, code) {
    this.name = 'GraphQLError';
    this.message = message;
    this.code = code || '';
  }
  GraphQLError.prototype = Object.create(Error.prototype);

  function token() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  // gql posts a query and resolves to its data, or rejects with a
  // GraphQLError naming every error the server sent.
  function gql(query, variables) {
    var headers = {
      'Content-Type': 'application/json',
      'Accept': 'application/graphql-response+json, application/json;q=0.9'
    };
    var t = token();
    if (t) {
      headers.Authorization = 'Bearer ' + t;
    }
    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      credentials: 'same-origin',
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (res) {
      return res.text().then(function (text) {
        var payload = null;
        try {
          payload = JSON.parse(text);
        } catch (e) {
          throw new GraphQLError('The server answered ' + res.status + ' ' + res.statusText +
            ' without a GraphQL response' + (text ? ': ' + text.slice(0, 200) : '.'));
        }
        if (payload && payload.errors && payload.errors.length) {
          var messages = payload.errors.map(function (err) {
            var code = err.extensions && err.extensions.code;
            return (err.message || 'error') + (code ? ' (' + code + ')' : '');
          });
          var first = payload.errors[0];
          throw new GraphQLError(messages.join('; '), first.extensions && first.extensions.code);
        }
        if (!res.ok || !payload || !payload.data) {
          throw new GraphQLError('The server answered ' + res.status + ' ' + res.statusText + '.');
        }
        return payload.data;
      });
    }, function (err) {
      throw new GraphQLError('Cannot reach ' + endpoint + ': ' + err.message);
    });
  }

  // loadRelease resolves to the release with every impacted application,
  // asking for them a page at a time.
  function loadRelease(id) {
    var vars = { id: id, maxDepth: maxDepth, first: PAGE_SIZE };
    return gql(RELEASE_QUERY, vars).then(function (data) {
      var node = data.node;
      if (!node) {
        throw new GraphQLError('No release has the id ' + id + '.', 'NOT_FOUND');
      }
      if (node.__typename !== 'Release') {
        throw new GraphQLError('The id ' + id + ' is a ' + node.__typename + ', not a release.', 'BAD_USER_INPUT');
      }
      var conn = node.impact.impactedApplications;
      var release = {
        id: node.id,
        name: node.name,
        status: node.status,
        startsAt: node.startsAt,
        endsAt: node.endsAt,
        changed: node.impact.changed,
        shared: node.impact.shared,
        conflicts: node.conflicts,
        total: conn.totalCount,
        impacted: conn.edges.map(function (e) { return e.node; })
      };
      if (release.total > MAX_NODES) {
        return release;
      }
      function more(page) {
        status('Loading applications ' + release.impacted.length + ' of ' + release.total + '…');
        if (!page.pageInfo.hasNextPage) {
          return release;
        }
        return gql(MORE_QUERY, { id: id, maxDepth: maxDepth, first: PAGE_SIZE, after: page.pageInfo.endCursor })
          .then(function (d) {
            var next = d.node.impact.impactedApplications;
            next.edges.forEach(function (e) { release.impacted.push(e.node); });
            return more(next);
          });
      }
      return more(conn);
    });
  }

  // ---- page state --------------------------------------------------------

  function setState(state) {
    body.setAttribute('data-state', state);
  }

  function status(text) {
    el.status.textContent = text;
    el.status.hidden = !text;
  }

  function showError(err) {
    var text = err && err.message ? err.message : String(err);
    el.error.textContent = text;
    el.error.hidden = false;
    if (err && err.code === 'UNAUTHENTICATED') {
      el.error.textContent = text + ' Paste an API token above to sign in.';
      openTokenForm(true);
    }
  }

  function clearError() {
    el.error.textContent = '';
    el.error.hidden = true;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  // h creates an HTML element with a class and text or children.
  function h(tag, className, content) {
    var n = document.createElement(tag);
    if (className) {
      n.className = className;
    }
    append(n, content);
    return n;
  }

  function append(parent, content) {
    if (content === undefined || content === null) {
      return;
    }
    if (Array.isArray(content)) {
      content.forEach(function (c) { append(parent, c); });
    } else if (typeof content === 'string' || typeof content === 'number') {
      parent.appendChild(document.createTextNode(String(content)));
    } else {
      parent.appendChild(content);
    }
  }

  function svg(tag, attrs, parent) {
    var n = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      n.setAttribute(k, attrs[k]);
    });
    if (parent) {
      parent.appendChild(n);
    }
    return n;
  }

  function releaseLink(id, name) {
    var a = h('a', '', name);
    a.href = '?release=' + encodeURIComponent(id) + (maxDepth === null ? '' : '&maxDepth=' + maxDepth);
    return a;
  }

  // when formats an RFC 3339 time as "2026-12-02 00:00 UTC".
  function when(t) {
    var d = new Date(t);
    if (isNaN(d.getTime())) {
      return t;
    }
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  // ---- token -------------------------------------------------------------

  function openTokenForm(open) {
    el.tokenForm.hidden = !open;
    el.tokenToggle.setAttribute('aria-expanded', String(open));
    if (open) {
      el.token.focus();
    }
  }

  function updateTokenButton() {
    el.tokenToggle.textContent = token() ? 'API token ✓' : 'API token';
  }

  el.tokenToggle.addEventListener('click', function () {
    openTokenForm(el.tokenForm.hidden);
  });
  el.tokenForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var value = el.token.value.trim().replace(/^Bearer\s+/i, '');
    try {
      if (value) {
        window.sessionStorage.setItem(TOKEN_KEY, value);
      } else {
        window.sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      showError(new GraphQLError('This browser does not let the page keep the token: ' + e.message));
      return;
    }
    el.token.value = '';
    openTokenForm(false);
    updateTokenButton();
    start();
  });
  el.tokenForget.addEventListener('click', function () {
    try {
      window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // Nothing was kept.
    }
    el.token.value = '';
    updateTokenButton();
    start();
  });

  // ---- release and depth pickers -----------------------------------------

  function navigate() {
    var q = new URLSearchParams();
    if (el.release.value) {
      q.set('release', el.release.value);
    }
    if (el.depth.value !== '') {
      q.set('maxDepth', el.depth.value);
    }
    window.location.search = q.toString();
  }

  el.release.addEventListener('change', navigate);
  el.depth.addEventListener('change', navigate);
  el.pick.addEventListener('submit', function (ev) {
    ev.preventDefault();
    navigate();
  });
  el.depth.value = maxDepth === null ? '' : String(maxDepth);
  if (el.depth.value !== (maxDepth === null ? '' : String(maxDepth))) {
    // A depth the list does not offer: add it.
    var opt = h('option', '', String(maxDepth));
    opt.value = String(maxDepth);
    el.depth.appendChild(opt);
    el.depth.value = String(maxDepth);
  }

  // fillReleases lists releases in the picker; null means they could not
  // be read.
  function fillReleases(releases) {
    clear(el.release);
    var none = h('option', '', releases === null ? 'Releases unavailable' : releases.length ? 'Choose a release…' : 'No releases yet');
    releases = releases || [];
    none.value = '';
    el.release.appendChild(none);
    var found = false;
    releases.forEach(function (r) {
      var o = h('option', '', r.name + ' (' + r.status + ')');
      o.value = r.id;
      if (r.id === releaseID) {
        o.selected = true;
        found = true;
      }
      el.release.appendChild(o);
    });
    if (releaseID && !found) {
      var o = h('option', '', 'id ' + releaseID);
      o.value = releaseID;
      o.selected = true;
      el.release.appendChild(o);
    }
  }

  // ---- layout ------------------------------------------------------------

  // model turns the API's answer into the graph to draw: nodes by id, the
  // dependencies between them, and each node's rank.
  function model(release) {
    var nodes = new Map();
    var changed = new Set(release.changed.map(function (a) { return a.id; }));
    var shared = new Set(release.shared.map(function (a) { return a.id; }));
    var conflictOf = new Map(); // application id -> names of the conflicting releases
    release.conflicts.forEach(function (c) {
      var other = c.releases.filter(function (r) { return r.id !== release.id; })[0] || c.releases[0];
      c.other = other;
      c.sharedApplications.forEach(function (a) {
        if (!conflictOf.has(a.id)) {
          conflictOf.set(a.id, []);
        }
        conflictOf.get(a.id).push(other.name);
      });
    });
    release.impacted.forEach(function (ia) {
      var a = ia.application;
      nodes.set(a.id, {
        id: a.id,
        name: a.name,
        owner: a.owner,
        criticality: a.criticality,
        distance: ia.distance,
        path: ia.path,
        changed: changed.has(a.id),
        shared: shared.has(a.id),
        conflicts: conflictOf.get(a.id) || [],
        providers: a.dependsOn.map(function (p) { return p.id; })
      });
    });
    var edges = [];
    nodes.forEach(function (n) {
      n.providers = n.providers.filter(function (p) { return nodes.has(p); });
      n.providers.forEach(function (p) {
        edges.push({ consumer: n.id, provider: p });
      });
    });
    assignRanks(nodes);
    return { nodes: nodes, edges: edges };
  }

  // assignRanks gives every node a rank: the bands of distance 0, 1, ...
  // follow one another, and within a band a node stands below every
  // provider in the same band (a dependency cycle is cut where the walk
  // closes it), so the layers read top to bottom as a change spreads.
  function assignRanks(nodes) {
    var bands = new Map();
    nodes.forEach(function (n) {
      if (!bands.has(n.distance)) {
        bands.set(n.distance, []);
      }
      bands.get(n.distance).push(n);
    });
    var distances = Array.from(bands.keys()).sort(function (a, b) { return a - b; });
    var offset = 0;
    distances.forEach(function (d) {
      var band = bands.get(d).sort(byName);
      var depth = new Map();
      var visiting = new Set();
      function walk(n) {
        if (depth.has(n.id)) {
          return depth.get(n.id);
        }
        visiting.add(n.id);
        var best = 0;
        n.providers.slice().sort().forEach(function (pid) {
          var p = nodes.get(pid);
          if (p.distance !== d || visiting.has(pid)) {
            return;
          }
          best = Math.max(best, walk(p) + 1);
        });
        visiting.delete(n.id);
        depth.set(n.id, best);
        return best;
      }
      var deepest = 0;
      band.forEach(function (n) {
        deepest = Math.max(deepest, walk(n));
      });
      band.forEach(function (n) {
        n.rank = offset + depth.get(n.id);
      });
      offset += deepest + 1;
    });
  }

  function byName(a, b) {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  }

  // layout places the nodes with dagre, with ranks fixed by assignRanks,
  // and returns the graph's size and every edge's points.
  function layout(m, measure) {
    var g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({
      rankdir: 'TB',
      nodesep: 22,
      edgesep: 10,
      ranksep: 64,
      marginx: BAND_LABEL_WIDTH + 16,
      marginy: 24,
      ranker: function (lg) {
        // dagre doubles edge lengths to make room for edge labels: a rank
        // of ours is two of its ranks.
        lg.nodes().forEach(function (v) {
          var n = m.nodes.get(v);
          if (n) {
            lg.node(v).rank = 2 * n.rank;
          }
        });
      }
    });
    g.setDefaultEdgeLabel(function () { return {}; });
    Array.from(m.nodes.values()).sort(byName).forEach(function (n) {
      n.width = Math.ceil(Math.max(measure(n.name, 'name'), measure(subtitle(n), 'sub')) + 2 * NODE_PADDING);
      n.height = NODE_HEIGHT;
      g.setNode(n.id, { width: n.width, height: n.height });
    });
    m.edges.forEach(function (e, i) {
      var c = m.nodes.get(e.consumer);
      var p = m.nodes.get(e.provider);
      // Edges run from the upper rank to the lower one, whichever way the
      // dependency points; ranks never tie across an edge.
      e.reversed = p.rank < c.rank;
      var from = e.reversed ? p.id : c.id;
      var to = e.reversed ? c.id : p.id;
      g.setEdge(from, to, { index: i }, 'e' + i);
    });
    dagre.layout(g);
    m.nodes.forEach(function (n, id) {
      var ln = g.node(id);
      n.x = ln.x;
      n.y = ln.y;
    });
    g.edges().forEach(function (ge) {
      var label = g.edge(ge);
      var e = m.edges[label.index];
      var pts = label.points.slice();
      // Points run from consumer to provider, where the arrow is.
      if (e.reversed) {
        pts.reverse();
      }
      e.points = pts;
    });
    return { width: g.graph().width, height: g.graph().height };
  }

  function subtitle(n) {
    var parts = [n.changed ? 'changed' : 'distance ' + n.distance];
    if (n.shared) {
      parts.push('shared');
    }
    if (n.conflicts.length) {
      parts.push('conflict');
    }
    return parts.join(' · ');
  }

  // curve returns an SVG path through pts: straight ends, B-spline between
  // (like d3.curveBasis), so long edges bend smoothly around nodes.
  function curve(pts) {
    if (pts.length < 3) {
      return 'M' + pts.map(function (p) { return fmt(p.x) + ',' + fmt(p.y); }).join('L');
    }
    var d = 'M' + fmt(pts[0].x) + ',' + fmt(pts[0].y);
    var p0 = pts[0];
    var p1 = pts[1];
    d += 'L' + fmt((5 * p0.x + p1.x) / 6) + ',' + fmt((5 * p0.y + p1.y) / 6);
    for (var i = 2; i < pts.length; i++) {
      var p2 = pts[i];
      d += 'C' + fmt((2 * p0.x + p1.x) / 3) + ',' + fmt((2 * p0.y + p1.y) / 3) + ' ' +
        fmt((p0.x + 2 * p1.x) / 3) + ',' + fmt((p0.y + 2 * p1.y) / 3) + ' ' +
        fmt((p0.x + 4 * p1.x + p2.x) / 6) + ',' + fmt((p0.y + 4 * p1.y + p2.y) / 6);
      p0 = p1;
      p1 = p2;
    }
    d += 'C' + fmt((2 * p0.x + p1.x) / 3) + ',' + fmt((2 * p0.y + p1.y) / 3) + ' ' +
      fmt((p0.x + 2 * p1.x) / 3) + ',' + fmt((p0.y + 2 * p1.y) / 3) + ' ' +
      fmt(p1.x) + ',' + fmt(p1.y);
    return d;
  }

  function fmt(v) {
    return String(Math.round(v * 10) / 10);
  }

  // ---- drawing -----------------------------------------------------------

  var view = { svg: null, width: 0, height: 0, scale: 1, model: null, selected: null, conflict: null };

  function draw(release) {
    var m = model(release);
    view.model = m;
    clear(el.canvas);
    if (!m.nodes.size) {
      el.canvas.appendChild(el.status);
    }
    var root = svg('svg', {
      id: 'graph',
      class: 'graph',
      role: 'img',
      'aria-label': 'Impact graph of release ' + release.name
    }, el.canvas);
    var defs = svg('defs', {}, root);
    var marker = svg('marker', {
      id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5',
      markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse'
    }, defs);
    svg('path', { d: 'M0,0L10,5L0,10z', class: 'arrowhead' }, marker);

    // Measure text with the page's own fonts, in the SVG itself.
    var probe = svg('text', { class: 'probe' }, root);
    function measure(text, kind) {
      probe.setAttribute('class', 'probe ' + kind);
      probe.textContent = text;
      return probe.getComputedTextLength();
    }
    var size = layout(m, measure);
    root.removeChild(probe);

    var width = Math.max(size.width, 320);
    var height = Math.max(size.height, 120);
    root.setAttribute('viewBox', '0 0 ' + fmt(width) + ' ' + fmt(height));
    view.svg = root;
    view.width = width;
    view.height = height;

    drawBands(root, m, width);

    var edgeLayer = svg('g', { class: 'edges' }, root);
    m.edges.forEach(function (e) {
      e.el = svg('path', {
        class: 'edge',
        d: curve(e.points),
        'marker-end': 'url(#arrow)',
        'data-consumer': e.consumer,
        'data-provider': e.provider
      }, edgeLayer);
      var title = svg('title', {}, e.el);
      title.textContent = m.nodes.get(e.consumer).name + ' depends on ' + m.nodes.get(e.provider).name;
    });

    var nodeLayer = svg('g', { class: 'nodes' }, root);
    Array.from(m.nodes.values()).sort(function (a, b) {
      return a.distance - b.distance || byName(a, b);
    }).forEach(function (n) {
      var classes = ['node', n.changed ? 'changed' : 'impacted'];
      if (n.shared) {
        classes.push('shared');
      }
      if (n.conflicts.length) {
        classes.push('conflict');
      }
      var g = svg('g', {
        class: classes.join(' '),
        transform: 'translate(' + fmt(n.x - n.width / 2) + ',' + fmt(n.y - n.height / 2) + ')',
        'data-id': n.id,
        'data-name': n.name,
        'data-distance': String(n.distance),
        tabindex: '0',
        role: 'button',
        'aria-label': n.name + ', ' + subtitle(n)
      }, nodeLayer);
      if (n.conflicts.length) {
        svg('rect', { class: 'halo', x: '-5', y: '-5', width: fmt(n.width + 10), height: fmt(n.height + 10), rx: '10' }, g);
      }
      if (n.shared) {
        svg('rect', { class: 'ring', x: '-3', y: '-3', width: fmt(n.width + 6), height: fmt(n.height + 6), rx: '8' }, g);
      }
      svg('rect', { class: 'box', width: fmt(n.width), height: fmt(n.height), rx: '6' }, g);
      var name = svg('text', { class: 'name', x: fmt(n.width / 2), y: '18' }, g);
      name.textContent = n.name;
      var sub = svg('text', { class: 'sub', x: fmt(n.width / 2), y: '33' }, g);
      sub.textContent = subtitle(n);
      var title = svg('title', {}, g);
      title.textContent = n.name + (n.owner ? ' (' + n.owner + ')' : '') + ': ' + subtitle(n);
      n.el = g;
      g.addEventListener('click', function (ev) {
        ev.stopPropagation();
        select(n.id);
      });
      g.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          select(n.id);
        }
      });
    });
    root.addEventListener('click', function () {
      select(null);
    });
    fit(true);
    // A graph wider than the canvas opens on its changed applications.
    var xs = [];
    m.nodes.forEach(function (n) {
      if (n.changed) {
        xs.push(n.x);
      }
    });
    if (xs.length) {
      var mid = xs.reduce(function (a, b) { return a + b; }, 0) / xs.length;
      el.canvas.scrollLeft = Math.max(0, mid * view.scale - el.canvas.clientWidth / 2);
      el.canvas.scrollTop = 0;
    }
  }

  // drawBands shades each distance's band and names it in the left margin.
  function drawBands(root, m, width) {
    var bands = new Map();
    m.nodes.forEach(function (n) {
      var b = bands.get(n.distance) || { top: Infinity, bottom: -Infinity };
      b.top = Math.min(b.top, n.y - n.height / 2);
      b.bottom = Math.max(b.bottom, n.y + n.height / 2);
      bands.set(n.distance, b);
    });
    var layer = svg('g', { class: 'bands' }, root);
    var distances = Array.from(bands.keys()).sort(function (a, b) { return a - b; });
    distances.forEach(function (d, i) {
      var b = bands.get(d);
      var top = b.top - 12;
      var bottom = b.bottom + 12;
      svg('rect', {
        class: 'band ' + (i % 2 ? 'odd' : 'even'),
        x: '4', y: fmt(top), width: fmt(width - 8), height: fmt(bottom - top), rx: '8',
        'data-distance': String(d)
      }, layer);
      var label = svg('text', { class: 'band-label', x: '16', y: fmt(top + 20) }, layer);
      label.textContent = d === 0 ? 'changed' : plural(d, 'hop', 'hops') + ' away';
    });
  }

  // ---- selection ---------------------------------------------------------

  function select(id) {
    var m = view.model;
    if (id !== null && view.conflict) {
      focusConflict(null, null);
    }
    view.selected = id;
    clear(el.details);
    m.nodes.forEach(function (n) {
      n.el.classList.remove('selected', 'on-path');
    });
    m.edges.forEach(function (e) {
      e.el.classList.remove('on-path');
    });
    view.svg.classList.toggle('focus', id !== null);
    if (id === null) {
      return;
    }
    var n = m.nodes.get(id);
    n.el.classList.add('selected');
    var onPath = new Set(n.path.map(function (a) { return a.id; }));
    onPath.forEach(function (pid) {
      if (m.nodes.has(pid)) {
        m.nodes.get(pid).el.classList.add('on-path');
      }
    });
    for (var i = 0; i + 1 < n.path.length; i++) {
      var provider = n.path[i].id;
      var consumer = n.path[i + 1].id;
      m.edges.forEach(function (e) {
        if (e.consumer === consumer && e.provider === provider) {
          e.el.classList.add('on-path');
        }
      });
    }
    showDetails(n);
  }

  function showDetails(n) {
    var m = view.model;
    var box = el.details;
    box.appendChild(h('h2', '', n.name));
    var facts = h('dl', 'facts');
    function fact(k, v) {
      facts.appendChild(h('dt', '', k));
      facts.appendChild(h('dd', '', v));
    }
    fact('distance', n.changed ? '0 (changed by the release)' : plural(n.distance, 'hop', 'hops') + ' from a changed application');
    if (n.owner) {
      fact('owner', n.owner);
    }
    fact('criticality', n.criticality);
    fact('shared', n.shared ? 'yes: two or more applications depend on it' : 'no');
    if (n.conflicts.length) {
      fact('conflict', 'also reached by ' + n.conflicts.join(', '));
    }
    box.appendChild(facts);
    box.appendChild(h('h3', '', n.changed ? 'Changed by the release' : 'Path from a changed application'));
    var ol = h('ol', 'path');
    ol.id = 'path';
    n.path.forEach(function (a, i) {
      var item = h('li', '');
      var target = m.nodes.get(a.id);
      var b = h('button', 'link', a.name);
      b.type = 'button';
      b.setAttribute('data-id', a.id);
      b.addEventListener('click', function () {
        if (target) {
          select(a.id);
          target.el.focus();
        }
      });
      item.appendChild(b);
      if (i === 0 && n.path.length > 1) {
        append(item, ' (changed)');
      }
      ol.appendChild(item);
    });
    box.appendChild(ol);
    if (n.path.length > 1) {
      box.appendChild(h('p', 'hint', 'Each application depends on the one above it, so a change to the first reaches the last.'));
    }
  }

  // ---- side panel --------------------------------------------------------

  function showSummary(release, m) {
    clear(el.summary);
    el.summary.appendChild(h('h1', '', release.name));
    var span = release.startsAt && release.endsAt ? when(release.startsAt) + ' → ' + when(release.endsAt) : 'no window yet';
    el.summary.appendChild(h('p', 'meta', release.status + ' · ' + span));
    var sharedCount = 0;
    var conflictCount = 0;
    m.nodes.forEach(function (n) {
      if (n.shared) {
        sharedCount++;
      }
      if (n.conflicts.length) {
        conflictCount++;
      }
    });
    var ul = h('ul', 'counts');
    ul.id = 'counts';
    ul.appendChild(h('li', '', plural(release.changed.length, 'changed application', 'changed applications')));
    ul.appendChild(h('li', '', plural(m.nodes.size - release.changed.length, 'impacted application', 'impacted applications') +
      (maxDepth === null ? '' : ' within ' + plural(maxDepth, 'hop', 'hops'))));
    ul.appendChild(h('li', '', plural(sharedCount, 'shared application', 'shared applications')));
    ul.appendChild(h('li', '', plural(m.edges.length, 'dependency', 'dependencies') + ' between them'));
    if (release.conflicts.length) {
      ul.appendChild(h('li', 'warn', plural(conflictCount, 'application', 'applications') + ' also reached by a conflicting release'));
    }
    el.summary.appendChild(ul);
    el.summary.appendChild(h('p', 'hint', 'Click an application to see its path from a changed one.'));
  }

  function showConflicts(release) {
    clear(el.conflicts);
    el.conflicts.appendChild(h('h2', '', 'Conflicting releases'));
    if (!release.conflicts.length) {
      el.conflicts.appendChild(h('p', 'none', 'None: no release with an overlapping window reaches the same applications.'));
      return;
    }
    var ul = h('ul', 'conflict-list');
    ul.id = 'conflict-list';
    release.conflicts.forEach(function (c) {
      var li = h('li', 'conflict-item');
      li.setAttribute('data-release-id', c.other.id);
      li.setAttribute('data-release-name', c.other.name);
      li.appendChild(releaseLink(c.other.id, c.other.name));
      append(li, ' (' + c.other.status + ') overlaps ' + when(c.overlapStart) + ' → ' + when(c.overlapEnd) + '. Both reach ' +
        plural(c.sharedApplications.length, 'application', 'applications') + ': ');
      var names = h('span', 'shared-names', c.sharedApplications.map(function (a) { return a.name; }).join(', '));
      li.appendChild(names);
      var b = h('button', 'focus-button', 'Show');
      b.type = 'button';
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', function () {
        focusConflict(view.conflict === c ? null : c, b);
      });
      append(li, [' ', b]);
      ul.appendChild(li);
    });
    el.conflicts.appendChild(ul);
  }

  // focusConflict highlights the applications one conflict shares (or none).
  function focusConflict(c, button) {
    if (c !== null && view.selected !== null) {
      select(null);
    }
    view.conflict = c;
    var ids = new Set(c ? c.sharedApplications.map(function (a) { return a.id; }) : []);
    view.model.nodes.forEach(function (n) {
      n.el.classList.toggle('hl', ids.has(n.id));
    });
    view.svg.classList.toggle('conflict-focus', c !== null);
    Array.prototype.forEach.call(el.conflicts.querySelectorAll('.focus-button'), function (b) {
      var on = c !== null && b === button;
      b.setAttribute('aria-pressed', String(on));
      b.textContent = on ? 'Hide' : 'Show';
    });
  }

  // ---- zoom --------------------------------------------------------------

  function zoom(scale) {
    if (!view.svg) {
      return;
    }
    view.scale = Math.min(Math.max(scale, 0.1), 4);
    view.svg.setAttribute('width', fmt(view.width * view.scale));
    view.svg.setAttribute('height', fmt(view.height * view.scale));
  }

  // fitScale is the scale at which the whole graph fits the canvas.
  function fitScale() {
    var w = el.canvas.clientWidth - 8;
    var hgt = el.canvas.clientHeight - 8;
    if (w <= 0 || hgt <= 0) {
      return 1;
    }
    return Math.min(w / view.width, hgt / view.height, 1.25);
  }

  // fit shows the whole graph (the Fit button) or, when readable is true,
  // as much of it as stays readable; the rest is then a scroll away.
  function fit(readable) {
    var s = fitScale();
    zoom(readable === true ? Math.max(s, 0.75) : s);
  }

  el.zoomIn.addEventListener('click', function () { zoom(view.scale * 1.25); });
  el.zoomOut.addEventListener('click', function () { zoom(view.scale / 1.25); });
  el.zoomFit.addEventListener('click', function () { fit(false); });

  // ---- start -------------------------------------------------------------

  var generation = 0;

  function start() {
    var mine = ++generation;
    clearError();
    setState('loading');
    view.svg = null;
    view.model = null;
    view.selected = null;
    view.conflict = null;
    clear(el.summary);
    clear(el.conflicts);
    clear(el.details);
    el.legend.hidden = true;
    updateTokenButton();
    gql(RELEASES_QUERY).then(function (data) {
      if (mine === generation) {
        fillReleases(data.releases.edges.map(function (e) { return e.node; }));
      }
    }, function () {
      // The graph request reports the same problem, more precisely.
      if (mine === generation) {
        fillReleases(null);
      }
    });
    if (!releaseID) {
      clear(el.canvas);
      el.canvas.appendChild(el.status);
      status('Choose a release above to draw what it changes and what depends on that.');
      setState('empty');
      return;
    }
    clear(el.canvas);
    el.canvas.appendChild(el.status);
    status('Loading the release…');
    loadRelease(releaseID).then(function (release) {
      if (mine !== generation) {
        return;
      }
      document.title = release.name + ' · Release graph · relgraph';
      if (release.total > MAX_NODES) {
        throw new GraphQLError('This release reaches ' + release.total + ' applications, more than the ' + MAX_NODES +
          ' this page draws. Choose a smaller depth above.', 'TOO_LARGE');
      }
      // Let the browser show the status before the layout, which takes
      // seconds for a thousand applications.
      status('Drawing ' + plural(release.impacted.length, 'application', 'applications') + '…');
      return new Promise(function (resolve) {
        window.setTimeout(function () { resolve(release); }, 30);
      });
    }).then(function (release) {
      if (mine !== generation || !release) {
        return;
      }
      if (!release.impacted.length) {
        status('This release changes no application yet: there is nothing to draw.');
      } else {
        status('');
      }
      draw(release);
      showSummary(release, view.model);
      el.legend.hidden = false;
      showConflicts(release);
      clear(el.details);
      setState('ready');
    }).catch(function (err) {
      if (mine !== generation) {
        return;
      }
      status('');
      showError(err);
      setState('error');
    });
  }

  window.addEventListener('resize', function () {
    if (view.svg && body.getAttribute('data-state') === 'ready') {
      fit(true);
    }
  });

  start();
})();
