package config

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// WriteTOML writes the effective configuration (the file's values with every default filled
// in) as TOML that Load reads back to the same Config. Secrets live in files, so only their
// paths appear.
func (c *Config) WriteTOML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	rv := reflect.ValueOf(c).Elem()
	t := rv.Type()
	first := true
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("toml")
		if name == "" || name == "-" {
			continue
		}
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			writeTable(bw, &first, "["+name+"]", f)
		case reflect.Slice:
			for j := range f.Len() {
				writeTable(bw, &first, "[["+name+"]]", f.Index(j))
			}
		}
	}
	return bw.Flush()
}

// writeTable writes one section header and its keys.
func writeTable(w *bufio.Writer, first *bool, header string, rv reflect.Value) {
	if !*first {
		w.WriteByte('\n')
	}
	*first = false
	w.WriteString(header + "\n")
	t := rv.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("toml")
		if name == "" || name == "-" {
			continue
		}
		fmt.Fprintf(w, "%s = %s\n", name, formatValue(rv.Field(i)))
	}
}

// formatValue renders one scalar or string list as TOML.
func formatValue(v reflect.Value) string {
	switch v.Type() {
	case durationType:
		return quote(formatDuration(time.Duration(v.Int())))
	case byteSizeType:
		return strconv.FormatInt(v.Int(), 10)
	}
	switch v.Kind() {
	case reflect.String:
		return quote(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Slice:
		s := make([]string, v.Len())
		for i := range s {
			s[i] = quote(v.Index(i).String())
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	panic(fmt.Sprintf("config: cannot write %s", v.Type()))
}

// quote writes s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// formatDuration writes d in the largest whole unit: "2h", "10m", "30s", else Go's form.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}
