package notify

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var (
	ordinalRe = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)\b`)
	weekdayRe = regexp.MustCompile(`(?i)\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\b\.?`)
	fillerRe  = regexp.MustCompile(`(?i)\b(?:the|of)\b`)
)

// deadlineLayouts are the forms a coordinator may write a deadline in; numeric dates are
// day first, as SDOs write them.
var deadlineLayouts = []string{
	"2006-01-02", "2006-1-2", "2006/01/02", "2006/1/2", "2006.01.02", "20060102",
	"2/1/2006", "2.1.2006", "2-1-2006",
	"2 January 2006", "2 Jan 2006", "2 Jan. 2006", "2-Jan-2006", "2-January-2006",
	"January 2 2006", "Jan 2 2006", "Jan. 2 2006",
}

// ParseDeadline reads a deadline written in any common form ("2027-01-15",
// "15 January 2027", "15/01/2027" day first, "January 15th, 2027", "Friday, 15 Jan 2027")
// and returns it as YYYY-MM-DD.
func ParseDeadline(s string) (string, error) {
	t := strings.TrimSpace(s)
	t = strings.ReplaceAll(t, ",", " ")
	t = weekdayRe.ReplaceAllString(t, " ")
	t = ordinalRe.ReplaceAllString(t, "$1")
	t = fillerRe.ReplaceAllString(t, " ")
	t = strings.Join(strings.Fields(t), " ")
	for _, l := range deadlineLayouts {
		if d, err := time.Parse(l, t); err == nil {
			if d.Year() < 2000 || d.Year() > 2099 {
				return "", fmt.Errorf("deadline %q: year %d is not plausible", s, d.Year())
			}
			return d.Format(time.DateOnly), nil
		}
	}
	return "", fmt.Errorf("deadline %q: not a date (write it as YYYY-MM-DD)", s)
}
