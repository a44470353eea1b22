package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// lineIndex maps a key path to the line it is defined on. Paths join keys with "." and
// mark elements of arrays (and of arrays of tables) with "[i]": `smtp[1].listen`,
// `imap[0].mailboxes[2]`.
type lineIndex map[string]int

// line returns the line of path, or of its nearest enclosing key that has one, or 0.
func (ix lineIndex) line(path string) int {
	for path != "" {
		if n, ok := ix[path]; ok {
			return n
		}
		if strings.HasSuffix(path, "]") {
			if i := strings.LastIndexByte(path, '['); i > 0 {
				path = path[:i]
				continue
			}
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
	return 0
}

// setFirst records line for path unless an earlier definition was recorded.
func (ix lineIndex) setFirst(path string, line int) {
	if _, ok := ix[path]; !ok && line > 0 {
		ix[path] = line
	}
}

// indexLines walks a TOML document that has already been decoded without error and
// records where every key, table and array element is.
func indexLines(data []byte) lineIndex {
	ix := lineIndex{}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // array-of-tables path → elements so far
	var cur string             // the current table's path

	lineOf := func(n *unstable.Node) int {
		if n == nil || n.Raw.Length == 0 {
			return 0
		}
		return p.Shape(n.Raw).Start.Line
	}
	// resolve turns header key parts into a path, indexing arrays of tables by their last element.
	resolve := func(parts []string) string {
		path := ""
		for _, k := range parts {
			path = join(path, k)
			if n, ok := arrays[path]; ok {
				path += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		return path
	}
	var walkKeyValue func(prefix string, kv *unstable.Node)
	var walkValue func(path string, v *unstable.Node, line int)
	walkValue = func(path string, v *unstable.Node, line int) {
		switch v.Kind {
		case unstable.InlineTable:
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					walkKeyValue(path, c)
				}
			}
		case unstable.Array:
			i := 0
			it := v.Children()
			for it.Next() {
				c := it.Node()
				if c.Kind == unstable.Comment {
					continue
				}
				el := path + "[" + strconv.Itoa(i) + "]"
				l := lineOf(c)
				if l == 0 {
					l = line
				}
				ix.setFirst(el, l)
				walkValue(el, c, l)
				i++
			}
		}
	}
	walkKeyValue = func(prefix string, kv *unstable.Node) {
		path := prefix
		line := 0
		it := kv.Key()
		for it.Next() {
			k := it.Node()
			if line == 0 {
				line = lineOf(k)
			}
			path = join(path, string(k.Data))
			ix.setFirst(path, line)
		}
		walkValue(path, kv.Value(), line)
	}

	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			walkKeyValue(cur, e)
		case unstable.Table, unstable.ArrayTable:
			var parts []string
			line := 0
			it := e.Key()
			for it.Next() {
				if line == 0 {
					line = lineOf(it.Node())
				}
				parts = append(parts, string(it.Node().Data))
			}
			if e.Kind == unstable.Table {
				cur = resolve(parts)
			} else {
				base := join(resolve(parts[:len(parts)-1]), parts[len(parts)-1])
				n := arrays[base]
				arrays[base] = n + 1
				cur = base + "[" + strconv.Itoa(n) + "]"
				ix.setFirst(base, line)
			}
			ix.setFirst(cur, line)
		}
	}
	return ix
}

// join appends key k to path.
func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
