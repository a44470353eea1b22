package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var months = map[string]time.Month{
	"january": 1, "jan": 1, "janvier": 1, "januar": 1, "enero": 1,
	"february": 2, "feb": 2, "février": 2, "fevrier": 2, "februar": 2, "febrero": 2,
	"march": 3, "mar": 3, "mars": 3, "märz": 3, "marz": 3, "marzo": 3,
	"april": 4, "apr": 4, "avril": 4, "abril": 4,
	"may": 5, "mai": 5, "mayo": 5,
	"june": 6, "jun": 6, "juin": 6, "juni": 6, "junio": 6,
	"july": 7, "jul": 7, "juillet": 7, "juli": 7, "julio": 7,
	"august": 8, "aug": 8, "août": 8, "aout": 8, "agosto": 8,
	"september": 9, "sep": 9, "sept": 9, "septembre": 9, "septiembre": 9,
	"october": 10, "oct": 10, "octobre": 10, "oktober": 10, "octubre": 10,
	"november": 11, "nov": 11, "novembre": 11, "noviembre": 11,
	"december": 12, "dec": 12, "décembre": 12, "decembre": 12, "dezember": 12, "diciembre": 12,
}

const monthAlt = `([A-Za-zéèûä]{3,10})\.?`

var (
	isoDate      = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	slashISODate = regexp.MustCompile(`\b(\d{4})/(\d{1,2})/(\d{1,2})\b`)
	dayMonthName = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th|er|\.)?(?:\s+(?:of\s+|de\s+)?|-)` + monthAlt + `(?:,?\s+(?:de\s+)?|-)(\d{4})\b`)
	monthNameDay = regexp.MustCompile(`(?i)\b` + monthAlt + `\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
	numericDate  = regexp.MustCompile(`\b(\d{1,2})([./-])(\d{1,2})([./-])(\d{4})\b`)
)

// parseDeadline reads a date written in any of the forms SDOs use and returns it as
// YYYY-MM-DD; ok is false when the value holds no date. Day-first is assumed for numeric
// dates, as SDOs write them, unless only month-first makes a valid date.
func parseDeadline(v string) (string, bool) {
	if emptyValue(v) {
		return "", false
	}
	type cand struct {
		pos     int
		y, m, d int
	}
	var best *cand
	try := func(pos, y, m, d int) {
		if !validDate(y, m, d) {
			return
		}
		if best == nil || pos < best.pos {
			best = &cand{pos, y, m, d}
		}
	}
	for _, m := range isoDate.FindAllStringSubmatchIndex(v, -1) {
		try(m[0], atoi(v[m[2]:m[3]]), atoi(v[m[4]:m[5]]), atoi(v[m[6]:m[7]]))
	}
	for _, m := range slashISODate.FindAllStringSubmatchIndex(v, -1) {
		try(m[0], atoi(v[m[2]:m[3]]), atoi(v[m[4]:m[5]]), atoi(v[m[6]:m[7]]))
	}
	for _, m := range dayMonthName.FindAllStringSubmatchIndex(v, -1) {
		if mon, ok := months[strings.ToLower(v[m[4]:m[5]])]; ok {
			try(m[0], atoi(v[m[6]:m[7]]), int(mon), atoi(v[m[2]:m[3]]))
		}
	}
	for _, m := range monthNameDay.FindAllStringSubmatchIndex(v, -1) {
		if mon, ok := months[strings.ToLower(v[m[2]:m[3]])]; ok {
			try(m[0], atoi(v[m[6]:m[7]]), int(mon), atoi(v[m[4]:m[5]]))
		}
	}
	for _, m := range numericDate.FindAllStringSubmatchIndex(v, -1) {
		if v[m[4]:m[5]] != v[m[8]:m[9]] {
			continue // "15/01-2027" is not a date
		}
		a, b, y := atoi(v[m[2]:m[3]]), atoi(v[m[6]:m[7]]), atoi(v[m[10]:m[11]])
		if validDate(y, b, a) {
			try(m[0], y, b, a)
		} else {
			try(m[0], y, a, b)
		}
	}
	if best == nil {
		return "", false
	}
	return time.Date(best.y, time.Month(best.m), best.d, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), true
}

func validDate(y, m, d int) bool {
	if y < 1990 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
