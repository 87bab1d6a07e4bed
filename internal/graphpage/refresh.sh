#!/usr/bin/env bash
# refresh.sh re-downloads the graph-layout library embedded by package
# graphpage from the npm registry and copies it into ./assets.
#
# Usage: internal/graphpage/refresh.sh   (from anywhere; needs bash, npm,
# tar, sha256sum, base64 and openssl)
#
# Each tarball is pinned by version and by the sha512 integrity the registry
# published for it; the script refuses a tarball that does not match. It
# then writes assets/SHA256SUMS for the copied file, which `go test
# ./internal/graphpage/` checks against what is embedded.
#
# Only dagre.min.js, LICENSES.txt and SHA256SUMS are overwritten; our own
# files in assets/ (graph.js, graph.css, favicon.svg) are left alone.
#
# To bump: set the versions and the integrity values below (`npm view
# @dagrejs/dagre@VERSION dist.integrity`, and the same for the
# @dagrejs/graphlib version that dagre's package.json names: dagre.min.js
# bundles it), run this script, then `go test ./internal/graphpage/`, which
# drives the page in headless Chromium when it is installed.
set -euo pipefail

DAGRE_VERSION="3.1.3"
DAGRE_INTEGRITY="sha512-X4aUTwOReZvthaZWOVHqlJ52/ZdhZFEM4+Lh/uR4XooUSLE6p71bcy7MPGzYnNUcNh+nj+i/qJQpCMIdQnSmrg=="
GRAPHLIB_VERSION="4.0.6"
GRAPHLIB_INTEGRITY="sha512-Hjv7hbfmSBMP4nVXMFt4gusqWWHghQF0qNT4V5KHo4Jatvd+2L5VHKFnnIjXVuDnaHIRz7ZuHSnlf0RuZkOwWA=="

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${here}/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# fetch PKG VERSION INTEGRITY: download PKG@VERSION with `npm pack`, check
# the tarball against INTEGRITY, and unpack it into ${tmp}/PKG/package.
fetch() {
	local pkg="$1" version="$2" integrity="$3" dir tarball got
	dir="${tmp}/${pkg}"
	mkdir -p "${dir}"
	tarball="$(cd "${dir}" && npm pack --silent "${pkg}@${version}" | tail -n 1)"
	got="sha512-$(openssl dgst -sha512 -binary "${dir}/${tarball}" | base64 -w 0)"
	if [ "${got}" != "${integrity}" ]; then
		echo "refresh.sh: ${pkg}@${version}: integrity ${got}, want ${integrity}" >&2
		exit 1
	fi
	tar -xzf "${dir}/${tarball}" -C "${dir}"
}

fetch @dagrejs/dagre "${DAGRE_VERSION}" "${DAGRE_INTEGRITY}"
fetch @dagrejs/graphlib "${GRAPHLIB_VERSION}" "${GRAPHLIB_INTEGRITY}"

# dagre.min.js must be the browser build with graphlib inside: it defines
# the global `dagre` and needs nothing else.
dagre="${tmp}/@dagrejs/dagre/package/dist/dagre.min.js"
if ! head -c 200 "${dagre}" | grep -q 'var dagre='; then
	echo "refresh.sh: ${dagre} does not define the global dagre; the package layout changed" >&2
	exit 1
fi
if grep -q 'require(' "${dagre}"; then
	echo "refresh.sh: ${dagre} requires other modules; it must be self-contained" >&2
	exit 1
fi
bundled="$(grep -o '"@dagrejs/graphlib": *"[^"]*"' "${tmp}/@dagrejs/dagre/package/package.json" | grep -o '[0-9][^"]*')"
if [ "${bundled}" != "${GRAPHLIB_VERSION}" ]; then
	echo "refresh.sh: dagre@${DAGRE_VERSION} bundles @dagrejs/graphlib@${bundled}; set GRAPHLIB_VERSION to it" >&2
	exit 1
fi

mkdir -p "${dest}"
# The source map comment points at a file we do not serve.
sed '/^\/\/# sourceMappingURL=/d' "${dagre}" >"${dest}/dagre.min.js"
chmod 0644 "${dest}/dagre.min.js"

{
	echo "Third-party software embedded in this directory, downloaded from the npm"
	echo "registry by refresh.sh. Each is distributed under the license below."
	echo
	echo "dagre.min.js: npm package @dagrejs/dagre@${DAGRE_VERSION} (its dist/dagre.min.js)"
	echo "-------------------------------------------------------------------------"
	cat "${tmp}/@dagrejs/dagre/package/LICENSE"
	echo
	echo "dagre.min.js bundles npm package @dagrejs/graphlib@${GRAPHLIB_VERSION}"
	echo "-------------------------------------------------------------------------"
	cat "${tmp}/@dagrejs/graphlib/package/LICENSE"
} >"${dest}/LICENSES.txt"

(cd "${dest}" && sha256sum dagre.min.js) >"${dest}/SHA256SUMS"

echo "refresh.sh: @dagrejs/dagre@${DAGRE_VERSION} (with @dagrejs/graphlib@${GRAPHLIB_VERSION}) copied to ${dest}"
