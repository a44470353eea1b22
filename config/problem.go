package config

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// Problem is one finding about a configuration: where it is and what is wrong.
type Problem struct {
	File    string // the configuration file's name
	Line    int    // 1-based; 0 when the key is absent from the file
	Key     string // the key as an operator reads it, e.g. `[[smtp]] listen`
	Message string
	Warning bool // a warning does not stop the daemon
}

// Error formats the problem as `file:line: key: message`, leaving out what is unknown.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Errors is every error found in a configuration, in line order. Load and Check return it.
type Errors []Problem

// Error lists the problems, one a line.
func (e Errors) Error() string {
	s := make([]string, len(e))
	for i, p := range e {
		s[i] = p.Error()
	}
	return strings.Join(s, "\n")
}

// report collects problems while a configuration is read, validated or checked.
type report struct {
	file  string
	lines lineIndex
	bad   map[string]bool // key paths that already have an error
	probs []Problem
}

func newReport(file string, lines lineIndex) *report {
	return &report{file: file, lines: lines, bad: map[string]bool{}}
}

// errorf records an error about the key at path, unless that key already has one.
func (r *report) errorf(path, format string, args ...any) {
	r.add(path, displayKey(path), false, format, args...)
}

// add records a problem with an explicit display key.
func (r *report) add(path, key string, warning bool, format string, args ...any) {
	if !warning {
		if r.bad[path] {
			return
		}
		r.bad[path] = true
	}
	r.probs = append(r.probs, Problem{
		File: r.file, Line: r.lines.line(path), Key: key,
		Message: fmt.Sprintf(format, args...), Warning: warning,
	})
}

// sorted returns the problems in line order, those without a line (absent keys) last;
// problems on the same line keep the order they were found in.
func (r *report) sorted() []Problem {
	p := append([]Problem(nil), r.probs...)
	key := func(i int) int {
		if p[i].Line == 0 {
			return math.MaxInt
		}
		return p[i].Line
	}
	sort.SliceStable(p, func(i, j int) bool { return key(i) < key(j) })
	return p
}

// errs returns the errors (not warnings) in line order, or nil.
func (r *report) errs() error {
	var e Errors
	for _, p := range r.sorted() {
		if !p.Warning {
			e = append(e, p)
		}
	}
	if len(e) == 0 {
		return nil
	}
	return e
}

var indexSuffix = regexp.MustCompile(`\[\d+\]$`)

// displayKey turns a key path like `smtp[1].listen` into `[[smtp]] listen`, and
// `store.path` into `[store] path`. A one-part path is shown as its section.
func displayKey(path string) string {
	if path == "" {
		return ""
	}
	first, rest, _ := strings.Cut(path, ".")
	head := "[" + first + "]"
	if loc := indexSuffix.FindStringIndex(first); loc != nil {
		head = "[[" + first[:loc[0]] + "]]"
	}
	if rest == "" {
		return head
	}
	return head + " " + rest
}
