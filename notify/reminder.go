package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ietf-tools/liaisond"
	"github.com/ietf-tools/liaisond/store"
)

// TagTaken marks a record whose requested action was taken; it stops reminders.
const TagTaken = "taken"

// reminderOverdueDays is how long after the deadline daily reminders continue.
const reminderOverdueDays = 14

// reminderLabels are the Datatracker's subject words by days to go.
var reminderLabels = map[int]string{
	14: "in two weeks", 7: "in one week", 4: "in four days", 3: "in three days",
	2: "in two days", 1: "tomorrow", 0: "today",
}

// ReminderDue reports whether a deadline reminder for rec is due on the day of now (in
// UTC), on the Datatracker's schedule: 14, 7, 4, 3, 2, 1 and 0 days before the deadline,
// then daily until 14 days after it. Only posted `action` records with a deadline and
// without the `taken` tag get reminders. label is the subject's wording: "in two weeks"
// ... "today", or "OUT OF DATE". The caller runs it once a day per record.
func ReminderDue(rec liaisond.Record, now time.Time) (bool, string) {
	days, ok := daysToDeadline(rec, now)
	if !ok || rec.State != liaisond.StatePosted || rec.Purpose != liaisond.PurposeAction ||
		slices.Contains(rec.Tags, TagTaken) {
		return false, ""
	}
	if l, ok := reminderLabels[days]; ok {
		return true, l
	}
	if days < 0 && days >= -reminderOverdueDays {
		return true, "OUT OF DATE"
	}
	return false, ""
}

// daysToDeadline counts whole days from now's date to rec's deadline, both in UTC.
func daysToDeadline(rec liaisond.Record, now time.Time) (int, bool) {
	d, err := time.Parse(time.DateOnly, rec.Deadline)
	if err != nil {
		return 0, false
	}
	y, m, dd := now.UTC().Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	return int(d.Sub(today).Hours() / 24), true
}

// Reminder composes the deadline reminder for rec due at now: subject
// "[Liaison deadline <label>] <title>" or "[Liaison OUT OF DATE] <title>", to the
// statement's to contacts (the coordinators when it names none), Cc its response and
// technical contacts, with the record below. It fails when ReminderDue says no.
func (c *Composer) Reminder(rec liaisond.Record, now time.Time) (Mail, error) {
	due, label := ReminderDue(rec, now)
	if !due {
		return Mail{}, fmt.Errorf("compose reminder for %s on %s: none due", rec.ID, day(now))
	}
	days, _ := daysToDeadline(rec, now)
	title := titleOf(&rec)
	subject := fmt.Sprintf("[Liaison deadline %s] %s", label, title)
	what := "expires " + label
	if days < 0 {
		subject = "[Liaison OUT OF DATE] " + title
		what = fmt.Sprintf("is out of date for %d day%s", -days, plural(-days))
	}
	to := rec.ToContacts
	if len(to) == 0 {
		to = contactsFor(nil, c.cfg.Coordinators)
	}
	cc := append(slices.Clone(rec.ResponseContacts), rec.TechnicalContacts...)
	var b strings.Builder
	fmt.Fprintf(&b, "The following liaison statement (%s) %s. Please take action,\n", rec.ID, what)
	b.WriteString("or tell the liaison coordinators that it was taken.\n\n")
	b.WriteString(c.fieldBlock(&rec))
	b.WriteString(signature(c.cfg.From))
	return c.write(draft{
		kind: store.KindReminder, record: rec.ID,
		to: to, cc: dropContacts(cc, contactEmails(to)),
		subject: subject, body: b.String(),
	})
}

// dropContacts removes the contacts whose address is in addrs.
func dropContacts(cs []liaisond.Contact, addrs []string) []liaisond.Contact {
	return slices.DeleteFunc(cs, func(c liaisond.Contact) bool { return containsAddress(addrs, c.Email) })
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
