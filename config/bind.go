package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"
)

var (
	durationType = reflect.TypeFor[time.Duration]()
	byteSizeType = reflect.TypeFor[ByteSize]()
)

// binder copies a decoded TOML tree (maps, slices and scalars as go-toml produces them)
// into the Config structs, by their `toml` tags, reporting unknown keys and wrong types
// with their paths instead of stopping at the first.
type binder struct{ r *report }

// bindStruct sets the fields of the struct rv from the table m found at path.
func (b binder) bindStruct(path string, m map[string]any, rv reflect.Value) {
	fields := map[string]int{}
	t := rv.Type()
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("toml"); tag != "" && tag != "-" {
			fields[tag] = i
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := join(path, k)
		i, ok := fields[k]
		if !ok {
			b.unknown(path, p, k, m[k], fields)
			continue
		}
		b.bindValue(p, m[k], rv.Field(i))
	}
}

// unknown reports a key that has no field, suggesting the nearest known key.
func (b binder) unknown(parent, path, key string, v any, fields map[string]int) {
	what, shown := "unknown key", displayKey(path)
	if parent == "" {
		if _, isTable := v.(map[string]any); isTable {
			what = "unknown section"
		} else if _, isArray := v.([]any); isArray {
			what = "unknown section"
			shown = "[[" + key + "]]"
		} else {
			shown = key
		}
	}
	best, bestD := "", 3
	for f := range fields {
		if d := editDistance(key, f); d < bestD || (d == bestD && f < best) {
			best, bestD = f, d
		}
	}
	if best != "" {
		what += fmt.Sprintf(" (did you mean %q?)", best)
	}
	b.r.add(path, shown, false, "%s", what)
}

// bindValue sets fv from the TOML value v found at path.
func (b binder) bindValue(path string, v any, fv reflect.Value) {
	switch fv.Type() {
	case durationType:
		s, ok := v.(string)
		if !ok {
			b.wrongType(path, `a duration string like "30s" or "10m"`, v)
			return
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			b.r.errorf(path, `%q is not a duration like "30s" or "10m"`, s)
			return
		}
		if d < 0 {
			b.r.errorf(path, "%q must not be negative", s)
			return
		}
		fv.SetInt(int64(d))
		return
	case byteSizeType:
		switch x := v.(type) {
		case int64:
			if x < 0 {
				b.r.errorf(path, "%d must not be negative", x)
				return
			}
			fv.SetInt(x)
		case string:
			n, err := parseByteSize(x)
			if err != nil {
				b.r.errorf(path, "%v", err)
				return
			}
			fv.SetInt(int64(n))
		default:
			b.wrongType(path, `a size in bytes (52428800 or "50MiB")`, v)
		}
		return
	}
	switch fv.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			b.wrongType(path, "a string", v)
			return
		}
		fv.SetString(s)
	case reflect.Bool:
		x, ok := v.(bool)
		if !ok {
			b.wrongType(path, "true or false", v)
			return
		}
		fv.SetBool(x)
	case reflect.Int:
		x, ok := v.(int64)
		if !ok {
			b.wrongType(path, "an integer", v)
			return
		}
		if fv.OverflowInt(x) {
			b.r.errorf(path, "%d is too large", x)
			return
		}
		fv.SetInt(x)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			b.wrongType(path, "a table", v)
			return
		}
		b.bindStruct(path, m, fv)
	case reflect.Slice:
		b.bindSlice(path, v, fv)
	default:
		panic(fmt.Sprintf("config: field type %s not supported", fv.Type()))
	}
}

// bindSlice sets a []string or a slice of sections (an array of tables).
func (b binder) bindSlice(path string, v any, fv reflect.Value) {
	et := fv.Type().Elem()
	arr, ok := v.([]any)
	if !ok {
		if et.Kind() == reflect.Struct {
			b.wrongType(path, "an array of tables ([["+lastKey(path)+"]])", v)
		} else {
			b.wrongType(path, "an array of strings", v)
		}
		return
	}
	if len(arr) == 0 {
		fv.Set(reflect.Zero(fv.Type())) // an empty array is the same as none
		return
	}
	out := reflect.MakeSlice(fv.Type(), 0, len(arr))
	for i, x := range arr {
		p := path + "[" + strconv.Itoa(i) + "]"
		el := reflect.New(et)
		if d, ok := el.Interface().(defaulter); ok {
			d.setDefaults()
		}
		b.bindValue(p, x, el.Elem())
		out = reflect.Append(out, el.Elem())
	}
	fv.Set(out)
}

// wrongType reports a value of the wrong TOML type.
func (b binder) wrongType(path, want string, v any) {
	b.r.errorf(path, "expected %s, found %s", want, describe(v))
}

// describe names a decoded TOML value's type, with the value when it is short.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			return "a string"
		}
		return "string " + strconv.Quote(x)
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case float64:
		return "float " + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return "a date or time"
	}
}

// lastKey returns the last key of a path.
func lastKey(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' {
			return path[i+1:]
		}
	}
	return path
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
