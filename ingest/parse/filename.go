package parse

import "strings"

// SafeFilename turns a declared attachment name into one that is safe to show and to use as
// a label: the last path element (both / and \ count as separators), without NUL or control
// characters, without leading dots. Names are data, never paths: the store never uses them
// to build one, and this is a second fence.
func SafeFilename(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(name), "."))
	if len(name) > 255 {
		name = name[:255]
		name = strings.ToValidUTF8(name, "")
	}
	return name
}
