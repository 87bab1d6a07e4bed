package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// urlTarget is a Location target that names a URL (any scheme://), which
// relgraph does not fetch.
var urlTarget = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)

// targets reads a Location's spec.target and spec.targets.
func (r reader) targets(specNode *yaml.Node) []Target {
	if specNode == nil || isNull(specNode) {
		return nil
	}
	spec, _, ok := r.mapping(specNode, "spec")
	if !ok {
		return nil
	}
	var out []Target
	add := func(n *yaml.Node, field string) {
		if v := strings.TrimSpace(n.Value); v == "" {
			r.probs.add(r.at(n), "%s: an empty target", field)
		} else {
			out = append(out, Target{Position: r.at(n), Field: field, Target: v})
		}
	}
	if r.str(spec, "target", "spec.target") != nil {
		add(spec["target"], "spec.target")
	}
	n, found := spec["targets"]
	if !found || isNull(n) {
		return out
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, item := range items {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
			r.probs.add(r.at(item), "spec.targets must list files or URLs (strings), not %s", describe(item))
			continue
		}
		add(item, "spec.targets")
	}
	return out
}

// follower reads catalog files and the files their Locations name, each
// file once.
type follower struct {
	probs problems
	docs  []Document
	read  map[string]bool // by cleaned absolute path
}

// file reads the catalog file at name, then follows its Locations. from is
// the target that named the file, nil for a file the caller named: a file
// that cannot be read is then the error returned, else a problem at from.
func (f *follower) file(name string, from *Target) error {
	key, err := fileKey(name)
	if err == nil {
		if f.read[key] {
			return nil
		}
		f.read[key] = true
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(name)
	}
	switch {
	case err == nil:
	case from == nil:
		return err
	case errors.Is(err, fs.ErrNotExist):
		f.probs.add(from.Position, "%s: %q: %s does not exist", from.Field, from.Target, name)
		return nil
	default:
		f.probs.add(from.Position, "%s: %q: %v", from.Field, from.Target, err)
		return nil
	}
	start := len(f.docs)
	f.docs = append(f.docs, parseBackstage(name, data, &f.probs)...)
	end := len(f.docs) // the files followed append theirs
	for i := start; i < end; i++ {
		if d := f.docs[i]; d.Ref.Kind == "location" && knownAPIVersion(d.APIVersion) {
			f.follow(i)
		}
	}
	return nil
}

// fileKey tells files apart: the absolute path with symbolic links
// resolved, so that a file reached through a link (or a loop of them) is
// read once.
func fileKey(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}

// follow reads the files the Location f.docs[i] names and says so in its
// Skipped reason, with the URLs it names, which relgraph does not fetch.
func (f *follower) follow(i int) {
	loc := f.docs[i]
	var (
		urls  []string
		files = map[string]bool{}
	)
	for _, t := range loc.Targets {
		if urlTarget.MatchString(t.Target) {
			urls = append(urls, t.Target)
			continue
		}
		for _, name := range f.expand(filepath.Dir(loc.File), t) {
			if key, err := fileKey(name); err == nil {
				files[key] = true
			}
			_ = f.file(name, &t) // never an error with a target: a problem
		}
	}
	fetch := "fetch " + strings.Join(urls, ", ") + " yourself and pass the files"
	reason := fmt.Sprintf("a Location, followed: %d %s read", len(files), plural(len(files), "file"))
	switch {
	case len(loc.Targets) == 0:
		reason = "a Location that names no targets"
	case len(urls) == len(loc.Targets):
		reason = "a Location of URLs: relgraph reads files; " + fetch
	case len(urls) > 0:
		reason += "; relgraph reads files: " + fetch
	}
	f.docs[i].Skipped = reason
}

// expand returns the files a target names, relative to dir unless it is
// absolute: the file itself, or a glob pattern's matches in sorted order.
// A pattern that is malformed or matches nothing is a problem.
func (f *follower) expand(dir string, t Target) []string {
	target := filepath.Clean(t.Target)
	segments := strings.Split(filepath.ToSlash(target), "/")
	magic := slices.IndexFunc(segments, func(s string) bool { return strings.ContainsAny(s, "*?[") })
	if magic < 0 {
		if filepath.IsAbs(target) {
			return []string{target}
		}
		return []string{filepath.Join(dir, target)}
	}
	root := filepath.FromSlash(strings.Join(segments[:magic], "/"))
	switch {
	case !filepath.IsAbs(target):
		root = filepath.Join(dir, root)
	case root == "":
		root = string(filepath.Separator)
	}
	matches, err := glob(root, segments[magic:])
	switch {
	case errors.Is(err, path.ErrBadPattern):
		f.probs.add(t.Position, "%s: %q is not a glob pattern: %v", t.Field, t.Target, err)
	case err != nil:
		f.probs.add(t.Position, "%s: %q: %v", t.Field, t.Target, err)
	case len(matches) == 0:
		f.probs.add(t.Position, "%s: %q matches no files", t.Field, t.Target)
	}
	return matches
}

// glob returns the files under root whose path from root matches pattern,
// a path split at "/", in sorted order. Each segment matches as path.Match
// does, and a segment "**" matches any number of directories. As in
// Backstage, a wildcard matches no hidden file or directory (one whose name
// starts with "."); a segment written with the dot does.
func glob(root string, pattern []string) ([]string, error) {
	for _, seg := range pattern {
		if _, err := path.Match(seg, ""); err != nil {
			return nil, err
		}
	}
	// WalkDir does not follow a root that is a symbolic link (a linked
	// directory, or one below it): walk where it leads, and name the
	// matches under root as the target wrote it.
	walked, err := filepath.EvalSymlinks(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(walked, func(name string, d fs.DirEntry, err error) error {
		if name == walked {
			return err
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(walked, name)
		if err != nil {
			return err
		}
		names := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			if !matchPath(pattern, names, true) {
				return filepath.SkipDir
			}
			return nil
		}
		if matchPath(pattern, names, false) {
			out = append(out, filepath.Join(root, rel))
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// matchPath reports whether the path names matches pattern, segment by
// segment; with prefix, whether a path below names could.
func matchPath(pattern, names []string, prefix bool) bool {
	for len(pattern) > 0 {
		if pattern[0] == "**" {
			if matchPath(pattern[1:], names, prefix) {
				return true
			}
			if len(names) == 0 {
				return prefix
			}
			if strings.HasPrefix(names[0], ".") {
				return false
			}
			return matchPath(pattern, names[1:], prefix)
		}
		if len(names) == 0 {
			return prefix
		}
		if strings.HasPrefix(names[0], ".") && !strings.HasPrefix(pattern[0], ".") {
			return false
		}
		if ok, _ := path.Match(pattern[0], names[0]); !ok {
			return false
		}
		pattern, names = pattern[1:], names[1:]
	}
	return len(names) == 0
}

func knownAPIVersion(v string) bool {
	return v == "backstage.io/v1alpha1" || v == "backstage.io/v1beta1"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
