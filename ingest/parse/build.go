package parse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/emersion/go-message/mail"

	liaisond "github.com/ietf-tools/liaisond"
)

var (
	tgppMeeting   = regexp.MustCompile(`(?im)^\s*(3GPP\s+TSG[- ]?(?:SA|CT|RAN|GERAN)(?:[- ]?WG[- ]?\d|\d)?)\b`)
	ituHeading    = regexp.MustCompile(`(?i)\bLIAISON STATEMENT\b|\bINTERNATIONAL TELECOMMUNICATION UNION\b|\bD[ÉE]CLARATION DE LIAISON\b|\bDECLARACI[ÓO]N DE COORDINACI[ÓO]N\b|\bUNION INTERNATIONALE DES T[ÉE]L[ÉE]COMMUNICATIONS\b|\bUNI[ÓO]N INTERNACIONAL DE TELECOMUNICACIONES\b`)
	liaisonWord   = regexp.MustCompile(`(?i)\bliaison\b|\bLS\b|\bliaise-\d`)
	mailmanFooter = regexp.MustCompile(`(?s)\n_{20,}\n[^\n]{0,80}(?:mailing list|list --)[^\n]*\n.*$`)
	blankRun      = regexp.MustCompile(`\n{3,}`)
	docReference  = regexp.MustCompile(`(?i)^(?:Document|Doc\.?|TD|Annex)\s+\S*\d`)
	subjectFromRe = regexp.MustCompile(`(?i)\b(?:liaison(?:\s+statement)?|LS)\s+from\s+(?:the\s+)?(.+?)\s+to\s+(?:the\s+)?(?:IETF|IAB|IESG|Internet)\b`)
	dtLiaisonLink = regexp.MustCompile(`(?i)datatracker\.ietf\.org/liaison/\d+`)
	lsHeading     = regexp.MustCompile(`(?i)^\s*LIAISON STATEMENT\b`)
	forWord       = regexp.MustCompile(`(?i)\bfor\b`)
	groupContact  = regexp.MustCompile(`^(.*?)\s*\(([^()]*@[^()]*)\)\s*$`)
)

// builder turns a chain of layers into a statement on a Result.
type builder struct {
	opts  Options
	res   *Result
	ent   *entity
	chain []*layer
	dt    bool // a Datatracker notification
}

// isDatatracker reports whether the mail is the Datatracker's liaison tool announcing a
// statement.
func isDatatracker(h mail.Header) bool {
	from := headerFrom(h)
	if from != nil {
		switch strings.ToLower(from.Email) {
		case "statements@ietf.org", "lsmt@ietf.org":
			return true
		}
	}
	return dtWrapperRe.MatchString(headerText(h, "Subject")) && from != nil && ietfSide(from.Email)
}

// statementLayer is the innermost layer that carries a field block, else the innermost.
func (b *builder) statementLayer() int {
	for i := len(b.chain) - 1; i >= 0; i-- {
		if countLabels(stripQuoted(b.chain[i].text)) >= 2 {
			return i
		}
	}
	return len(b.chain) - 1
}

func (b *builder) build() {
	res := b.res
	idx := b.statementLayer()
	l := b.chain[idx]
	text := beforeQuotedIETF(beforeAnnex(stripQuoted(l.text)))
	fs := scanFields(text)
	files := allFiles(b.ent)
	cover, coverTitle := fields{}, ""
	if !fs.has("title") || !fs.has("to") && !fs.has("foraction") && !fs.has("forcomment") && !fs.has("forinfo") {
		cover, coverTitle = b.coverSheet(files)
		fs = fillFrom(fs, cover)
	}

	if reason := b.draft(text, l); reason != "" {
		res.Kind = NotStatement
		res.Reason = reason
		res.Ack = liaisond.Ack{Reason: "not a statement"}
		return
	}
	if reason := b.evidence(fs, l, files, cover); reason != "" {
		res.Kind = NotStatement
		res.Reason = reason
		res.Ack = liaisond.Ack{Reason: "not a statement"}
		return
	}
	st := &res.Statement

	// Title: the statement's own beats the subject.
	st.Title = firstNonEmpty(fs.value("title"), fs.value("subject"), coverTitle, headingTitle(text))
	if st.Title == "" {
		subj := l.subject
		if subj == "" {
			subj = b.chain[0].subject
		}
		st.Title = titleFromSubject(subj)
		if st.Title != "" {
			res.problem("no Title field; title taken from the subject")
		}
	}
	st.Title = unwrapQuotes(collapseSpace(st.Title))

	// Who sent it.
	sender, fromBody := b.sender(idx, fs)
	st.FromContact = sender
	if sender == nil || sender.Email == "" {
		res.problem("sender's address unknown")
	}
	if fromBody {
		res.problem("sender taken from a forwarded body: acknowledge only after confirmation")
	}

	// From organisation and group.
	groupText := fs.value("from")
	if m := groupContact.FindStringSubmatch(groupText); m != nil {
		groupText = m[1]
	}
	if docReference.MatchString(groupText) {
		groupText = "" // ITU-R "Source: Document 5D/TEMP/612": a document, not a group
	}
	if groupText == "" {
		groupText = subjectSender(firstNonEmpty(l.subject, b.chain[0].subject))
	}
	meeting := ""
	if m := tgppMeeting.FindStringSubmatch(text); m != nil {
		meeting = m[1]
	}
	senderEmail := ""
	if sender != nil {
		senderEmail = sender.Email
	}
	st.FromOrg = firstNonEmpty(orgByText(groupText), orgByText(meeting), orgByDomain(senderEmail), orgByAcronym(groupText), orgByName(groupText))
	if st.FromOrg == "" && groupText == "" {
		st.FromOrg = orgByText(st.Title)
	}
	if groupText == "" && orgByText(meeting) == "" && strings.HasPrefix(st.FromOrg, "ITU-") {
		// itu.int serves all three sectors: the sender's name or the document says which,
		// and which of its groups.
		name := ""
		if sender != nil {
			name = sender.Name
		}
		st.FromOrg = ituSector(name, text, st.FromOrg)
		groupText = ituGroupIn(text, st.FromOrg)
	}
	switch {
	case st.FromOrg == "3GPP" && meeting != "" && !tgppWG.MatchString(groupText):
		st.FromGroups = []string{normalizeFromGroup(meeting, "3GPP")}
	case groupText != "":
		st.FromGroups = []string{normalizeFromGroup(groupText, st.FromOrg)}
	case st.FromOrg != "":
		st.FromGroups = []string{st.FromOrg}
		if g := orgGroupIn(text, st.FromOrg); g != "" {
			st.FromGroups = []string{g} // "ETSI TC SmartM2M document ..." in the mail
		} else {
			res.problem("no From/Source field; sending group is only the organisation")
		}
	}
	if b.announcement(text, files, senderEmail, st.FromOrg) {
		res.Kind = NotStatement
		res.Reason = "an announcement of a statement already in the Datatracker (it links to its page), not the statement itself"
		res.Statement = liaisond.Statement{}
		res.Ack = liaisond.Ack{Reason: "not a statement"}
		return
	}
	if b.dt && dtGroup(groupText) != "" && len(dtGroups(fs.value("to"))) == 0 {
		st.FromOrg = "IETF"
	}
	if st.FromOrg == "IETF" {
		res.Kind = NotStatement
		res.Reason = "the IETF's own outgoing statement (from " + groupText + "), not recorded as incoming"
		res.Statement = liaisond.Statement{}
		res.Ack = liaisond.Ack{Reason: "not an incoming statement"}
		return
	}

	// Addressed IETF bodies.
	st.ToGroups = ietfGroups(fs.list("to"), fs.list("foraction"), fs.list("forcomment"), fs.list("forinfo"))
	if len(st.ToGroups) == 0 && b.dt {
		st.ToGroups = dtGroups(fs.value("to"))
	}
	if len(st.ToGroups) == 0 && fs.has("purpose") {
		st.ToGroups = ietfGroups(perRecipientGroups(fs.value("purpose"))...)
	}
	if len(st.ToGroups) == 0 {
		var addrs []string
		for _, c := range l.to {
			addrs = append(addrs, c.Email)
		}
		st.ToGroups = groupsFromAddresses(addrs)
		if len(st.ToGroups) > 0 {
			res.problem("no IETF group named in the statement; taken from the addresses it was sent to")
		}
	}

	// Contacts.
	for _, f := range fs.all["response"] {
		st.ResponseContacts = mergeContacts(st.ResponseContacts, contactsIn(f.text())...)
	}
	for _, f := range fs.all["technical"] {
		st.TechnicalContacts = mergeContacts(st.TechnicalContacts, contactsIn(f.text())...)
	}
	st.ToContacts = mergeContacts(nil, l.to...)
	st.CcContacts = mergeContacts(nil, l.cc...)
	for _, f := range fs.all["cc"] {
		st.CcContacts = mergeContacts(st.CcContacts, contactsIn(f.text())...)
	}

	// Purpose and deadline.
	if f, ok := fs.get("deadline"); ok {
		if d, ok := parseDeadline(f.oneLine()); ok {
			st.Deadline = d
		} else if !emptyValue(f.oneLine()) {
			res.problem(fmt.Sprintf("deadline %q not understood", f.oneLine()))
		}
	}
	st.Purpose = purposeOf(fs, st.Title, st.Deadline != "")
	if st.Purpose == liaisond.PurposeNone {
		st.Purpose = purposeInProse(text) // "sends this liaison statement ... for information"
	}

	// Body, identifiers, files.
	st.Body = cleanBody(l.text)
	var names []string
	for _, f := range files {
		names = append(names, f.Filename)
	}
	head := text
	if len(head) > 2000 {
		head = head[:2000]
	}
	st.OtherIdentifiers = identifiers(st.Title, b.chain[0].subject, l.subject, fs.value("reference"), head, strings.Join(names, "\n"))
	for _, f := range files {
		st.Attachments = append(st.Attachments, f.Attachment)
	}
	res.Files = files

	if idx > 0 {
		fwd, _ := b.headerSender(b.chain[0])
		st.ForwardedBy = fwd
	}
	if b.dt {
		res.Datatracker = true
	}
	res.Kind = Statement
	for _, p := range st.Problems() {
		res.problem(p)
	}
	if st.Purpose == liaisond.PurposeResponse {
		res.problem("purpose response: link the statement it answers")
	}
	res.Ack = b.ack(st, fromBody)
	st.Normalize()
}

// sender finds who sent the statement; fromBody is true when the address was read out of a
// forwarded body rather than a real header.
func (b *builder) sender(idx int, fs fields) (*liaisond.Contact, bool) {
	if b.dt {
		if cs := contactsIn(fs.value("from")); len(cs) > 0 {
			return &cs[0], false
		}
	}
	l := b.chain[idx]
	if l.header != nil {
		return b.headerSender(l)
	}
	return l.from, true
}

// headerSender is the author of a real message: From, or for a list copy whose From the list
// rewrote, Reply-To or X-Original-From.
func (b *builder) headerSender(l *layer) (*liaisond.Contact, bool) {
	if l.header != nil && listRewritten(*l.header, l.from) {
		if len(l.replyTo) > 0 {
			c := l.replyTo[0]
			if c.Name == "" && l.from != nil {
				c.Name = strings.TrimSpace(strings.Split(l.from.Name, " via ")[0])
			}
			return &c, false
		}
		if c := firstAddress(headerText(*l.header, "X-Original-From")); c != nil {
			return c, false
		}
	}
	// A statement mailed by a system (noreply@...) names the person who answers for it in
	// Reply-To: that person is the sender.
	if l.from != nil && noReplyAddress(liaisond.NormalEmail(l.from.Email)) && len(l.replyTo) == 1 &&
		!noReplyAddress(liaisond.NormalEmail(l.replyTo[0].Email)) && l.replyTo[0].Email != "" {
		c := l.replyTo[0]
		return &c, false
	}
	return l.from, l.header == nil
}

// evidence returns why the text is not a statement, or "" when it is one.
func (b *builder) evidence(fs fields, l *layer, files []File, cover fields) string {
	n := 0
	for _, k := range evidenceKeys {
		if fs.has(k) {
			n++
		}
	}
	if fs.has("title") && n >= 2 || n >= 3 {
		return ""
	}
	if b.dt && fs.has("title") {
		return ""
	}
	subject := b.chain[0].subject
	reply := subjectIsReply(subject)
	if !reply && hasDocument(files) && (liaisonWord.MatchString(subject) || liaisonWord.MatchString(l.subject) || ituHeading.MatchString(l.text)) {
		b.res.problem("no statement field block found; fields taken from the subject and headers")
		return ""
	}
	quotedFields := countLabels(quotedOnly(b.ent.text))
	switch {
	case reply && quotedFields >= 2:
		return "discussion of a liaison statement (a reply quoting it), not a statement"
	case reply:
		return "a reply in a discussion, not a statement"
	case strings.TrimSpace(b.ent.header.Get("List-Unsubscribe")) != "" && strings.EqualFold(strings.TrimSpace(b.ent.header.Get("Precedence")), "bulk"):
		return "bulk mail or newsletter, not a statement"
	}
	return "no liaison statement found: no field block (Title, From, To, Purpose) and no statement document attached"
}

func hasDocument(files []File) bool {
	for _, f := range files {
		switch {
		case f.ContentType == "application/pdf", strings.Contains(f.ContentType, "word"),
			strings.Contains(f.ContentType, "zip"), strings.HasSuffix(strings.ToLower(f.Filename), ".pdf"),
			strings.HasSuffix(strings.ToLower(f.Filename), ".docx"), strings.HasSuffix(strings.ToLower(f.Filename), ".doc"),
			f.ContentType == "text/plain" && countLabels(cleanText(f.Data)) >= 2:
			return true
		}
	}
	return false
}

// quotedOnly returns the quoted lines of text, unquoted.
func quotedOnly(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, ">") {
			b.WriteString(strings.TrimPrefix(strings.TrimLeft(t, ">"), " "))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// perRecipientGroups returns the clauses of an ITU "FOR : CCAMP for action; others for
// information" line that name a group.
func perRecipientGroups(v string) []string {
	var out []string
	for _, c := range clauseSep.Split(v, -1) {
		c = purposeWords.ReplaceAllString(c, "")
		c = strings.TrimSpace(forWord.ReplaceAllString(c, ""))
		out = append(out, c)
	}
	return out
}

// allFiles lists the attachments of a message and of the messages attached to it; the
// message/rfc822 wrappers themselves are not files.
func allFiles(e *entity) []File {
	files := append([]File(nil), e.files...)
	for _, in := range e.inner {
		files = append(files, allFiles(in)...)
	}
	return files
}

// fillFrom adds to fs the fields it lacks from other (a cover sheet).
func fillFrom(fs, other fields) fields {
	for k, f := range other.first {
		if _, ok := fs.first[k]; !ok {
			fs.first[k] = f
			fs.all[k] = other.all[k]
		}
	}
	return fs
}

// cleanBody is the statement's text as a reader sees it: no list footer, no runs of blank
// lines, no trailing space.
func cleanBody(text string) string {
	text = mailmanFooter.ReplaceAllString("\n"+text, "")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	text = blankRun.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(text)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

var bareAcronym = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{1,14}$`)

// dtGroup reads a group in a Datatracker notification, where IETF groups are named by
// their bare acronym ("NMOP", "opsawg") and other bodies by their Datatracker name
// ("ITU-T-SG-13").
func dtGroup(entry string) string {
	e := collapseSpace(groupParen.ReplaceAllString(entry, " "))
	if g := ietfGroup(e); g != "" {
		return g
	}
	if bareAcronym.MatchString(e) && orgByText(e) == "" && orgByText(strings.ReplaceAll(e, "-", " ")) == "" {
		return "IETF " + strings.ToUpper(e) + " WG"
	}
	return ""
}

// dtGroups reads the IETF groups of a Datatracker To line.
func dtGroups(v string) []string {
	var out []string
	for _, e := range splitGroups(groupParen.ReplaceAllString(v, " ")) {
		if g := dtGroup(e); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// subjectSender reads the sending group out of a subject such as "Liaison statement from
// ITU-R WP 5D to IETF", for statements whose text does not name it.
func subjectSender(subject string) string {
	if m := subjectFromRe.FindStringSubmatch(cleanSubject(subject)); m != nil {
		return m[1]
	}
	return ""
}

// headingTitle reads the title ITU-R and others put on its own line under a "LIAISON
// STATEMENT TO ..." heading (after the heading's continuation lines and a blank line).
func headingTitle(text string) string {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if !lsHeading.MatchString(lines[i]) {
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
			j++ // the heading's own continuation: "(COPY TO ...)"
		}
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j >= len(lines) {
			return ""
		}
		t := strings.TrimSpace(lines[j])
		if labelLine.MatchString(t) || len(t) > 200 || strings.ToUpper(t) == t {
			return "" // a field block or more boilerplate follows, not a title
		}
		return t
	}
	return ""
}

// announcement reports whether the mail tells others about a statement the Datatracker
// already has (a chair's note to the list quoting it and linking to its page) rather than
// being the statement: a Datatracker liaison link, no document, and a sender who is not of
// the sending organisation (an IETF address or a list copy).
func (b *builder) announcement(text string, files []File, sender, fromOrg string) bool {
	if b.dt || hasDocument(files) || !dtLiaisonLink.MatchString(text) {
		return false
	}
	if orgByDomain(sender) == fromOrg && fromOrg != "" {
		return false
	}
	return ietfSide(sender) || b.ent.header.Get("List-Id") != ""
}

var (
	// annexHeading starts an annex, where a reply reproduces the statement it answers.
	annexHeading = regexp.MustCompile(`(?im)^[ \t]*(?:annex|appendix)\b[^\n]{0,120}$`)
	draftHeading = regexp.MustCompile(`(?im)^[ \t=*-]*DRAFT\s+(?:\(rev\s*\d+\)\s+)?(?:LIAISON\s+STATEMENT|LS)\b`)
	draftSubject = regexp.MustCompile(`(?i)\bdraft\s+(?:reply\s+)?(?:LS|liaison(?:\s+statement)?)\b`)
)

// beforeAnnex cuts text at an annex heading that follows a statement's field block: a reply
// that reproduces the statement it answers there must not take that one's fields.
func beforeAnnex(text string) string {
	var starts []int
	for _, loc := range annexHeading.FindAllStringIndex(text, -1) {
		starts = append(starts, loc[0])
	}
	return cutAfterFields(text, starts)
}

// cutAfterFields cuts text at the first of starts (in order) that has the statement's own
// fields before it, or returns it whole.
func cutAfterFields(text string, starts []int) string {
	for _, at := range starts {
		if countLabels(text[:at]) >= 2 {
			return text[:at]
		}
	}
	return text
}

// draft says why a mail carrying a statement's block is only a draft of one, circulated
// for comments inside the sending body (headed "DRAFT LIAISON STATEMENT", or a subject
// about a draft LS, on a list or asking for comments); "" when it is not.
func (b *builder) draft(text string, l *layer) string {
	subject := b.chain[0].subject
	if !draftHeading.MatchString(text) && !draftSubject.MatchString(subject) {
		return ""
	}
	onList := b.ent.header.Get("List-Id") != "" || listPost(b.ent.header) != ""
	if onList || strings.Contains(strings.ToLower(subject+" "+l.subject), "comment") {
		return "a draft of a liaison statement circulated for comments, not the statement itself"
	}
	return ""
}

// unwrapQuotes removes quotes that wrap a whole title ("LS on X"), and only those: a title
// that ends in a quoted name keeps its quotes.
func unwrapQuotes(t string) string {
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && !strings.Contains(t[1:len(t)-1], `"`) {
		return strings.TrimSpace(t[1 : len(t)-1])
	}
	return t
}

// ietfFromLine is a field line that names the IETF as a statement's sender.
var ietfFromLine = regexp.MustCompile(`(?im)^[ \t]*(?:From|Source)[ \t]*:[ \t]*(?:the[ \t]+)?IETF\b`)

// beforeQuotedIETF cuts text at a paragraph that quotes the header of an IETF statement
// ("From: IETF PQUIP WG", the statement a reply answers) after the statement's own fields:
// an incoming statement is never from the IETF, so that block's fields are not its own.
func beforeQuotedIETF(text string) string {
	var starts []int
	for _, loc := range ietfFromLine.FindAllStringIndex(text, -1) {
		para := strings.LastIndex(text[:loc[0]], "\n\n") + 2 // the start of its paragraph
		if para < 2 {
			para = 0
		}
		starts = append(starts, para)
	}
	return cutAfterFields(text, starts)
}
