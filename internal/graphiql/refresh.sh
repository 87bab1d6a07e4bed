#!/usr/bin/env bash
# refresh.sh re-downloads the third-party GraphiQL assets embedded by package
# graphiql from the npm registry and copies them into ./assets.
#
# Usage: ./graphiql/refresh.sh   (from anywhere; needs bash, npm and tar)
#
# Only the upstream files listed below (and the generated LICENSES file) are
# overwritten; our own files in assets/ (init.js, page.css, favicon.svg) are
# left alone.
# The files are copied verbatim. After bumping a version, run
# `go test ./graphiql/` and check the page in a browser: the GraphiQL UMD
# bundle must keep working with the React UMD builds (GraphiQL 5 and later
# ship no UMD bundle at all, and React 19 ships no UMD builds).
set -euo pipefail

GRAPHIQL_VERSION="4.1.2"
REACT_VERSION="18.3.1"
REACT_DOM_VERSION="18.3.1"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${here}/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# fetch PKG VERSION: download PKG@VERSION with `npm pack` and unpack it into
# ${tmp}/PKG/package.
fetch() {
	local pkg="$1" version="$2" tarball
	mkdir -p "${tmp}/${pkg}"
	tarball="$(cd "${tmp}/${pkg}" && npm pack --silent "${pkg}@${version}" | tail -n 1)"
	tar -xzf "${tmp}/${pkg}/${tarball}" -C "${tmp}/${pkg}"
}

fetch graphiql "${GRAPHIQL_VERSION}"
fetch react "${REACT_VERSION}"
fetch react-dom "${REACT_DOM_VERSION}"

mkdir -p "${dest}"
install -m 0644 "${tmp}/graphiql/package/graphiql.min.js" "${dest}/graphiql.min.js"
install -m 0644 "${tmp}/graphiql/package/graphiql.min.css" "${dest}/graphiql.min.css"
install -m 0644 "${tmp}/react/package/umd/react.production.min.js" "${dest}/react.production.min.js"
install -m 0644 "${tmp}/react-dom/package/umd/react-dom.production.min.js" "${dest}/react-dom.production.min.js"

# The page must work offline: refuse a stylesheet that pulls anything
# (fonts, images, @import) from elsewhere. Fonts and images are inlined as
# data: URIs in the versions above.
if grep -Eo 'url\([^)]*\)|@import[^;]*' "${dest}/graphiql.min.css" | grep -Ev '^url\(["'\'']?data:' | grep -q .; then
	echo "refresh.sh: graphiql.min.css references files or URLs that are not embedded:" >&2
	grep -Eo 'url\([^)]*\)|@import[^;]*' "${dest}/graphiql.min.css" | grep -Ev '^url\(["'\'']?data:' | cut -c1-120 >&2
	exit 1
fi

{
	echo "Third-party software embedded in this directory, downloaded from the npm"
	echo "registry by refresh.sh. Each is distributed under the license below."
	echo
	echo "graphiql.min.js, graphiql.min.css: npm package graphiql@${GRAPHIQL_VERSION}"
	echo "(the bundle also contains graphql-js, CodeMirror 5, markdown-it, Radix UI"
	echo "and other dependencies of graphiql, all under the MIT license)"
	echo "-------------------------------------------------------------------------"
	cat "${tmp}/graphiql/package/LICENSE"
	echo
	echo "react.production.min.js: npm package react@${REACT_VERSION}"
	echo "-------------------------------------------------------------------------"
	cat "${tmp}/react/package/LICENSE"
	echo
	echo "react-dom.production.min.js: npm package react-dom@${REACT_DOM_VERSION}"
	echo "-------------------------------------------------------------------------"
	cat "${tmp}/react-dom/package/LICENSE"
} >"${dest}/LICENSES.txt"

echo "refresh.sh: graphiql@${GRAPHIQL_VERSION}, react@${REACT_VERSION}, react-dom@${REACT_DOM_VERSION} copied to ${dest}"
