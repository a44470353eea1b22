package parse

import (
	"github.com/ietf-tools/liaisond/internal/corpus"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shape3 is a third-round row: a shape (see shapes_test.go) plus the checks the earlier rounds
// had no column for.
type shape3 struct {
	shape
	titleAlts []string // title alternatives (normalised text); nil = skip
	ids       []string // each entry ("A|B" alternatives) must be one of other_identifiers
	ccHas     []string // addresses that must be among cc_contacts
}

// Groups spelled the ways a careful reader accepts.
var (
	grpRAN2 = l("3GPP TSG RAN WG2", "3GPP RAN WG2", "3GPP RAN2", "3GPP TSG-RAN WG2", "RAN WG2",
		"3GPP TSG RAN2", "TSG RAN WG2")
	grpSA4 = l("3GPP TSG SA WG4", "3GPP SA WG4", "3GPP SA4", "3GPP TSG-SA WG4", "SA WG4",
		"3GPP TSG SA4", "TSG SA WG4")
	grpSA6 = l("3GPP TSG SA WG6", "3GPP SA WG6", "3GPP SA6", "3GPP TSG-SA WG6", "SA WG6",
		"3GPP TSG SA6", "TSG SA WG6")
	grpIEEE8021  = l("IEEE 802.1", "IEEE 802.1 WG", "IEEE 802.1 Working Group", "IEEE-802-1")
	grpIEEE80215 = l("IEEE 802.15", "IEEE 802.15 WG", "IEEE 802.15 Working Group",
		"IEEE 802.15 Wireless Specialty Networks Working Group")
	orgISO  = l("ISO/IEC JTC 1", "ISO/IEC", "ISO/IEC JTC1")
	title25 = "IEEE 802.15 liaison to IETF 6LO on IEEE 802.15.4ab next generation UWB and 6LoWPAN header compression"
	orgORAN = l("O-RAN Alliance", "O-RAN")
)

// shapes3 is the third round of mail shapes (testdata/mails3), read by the conventions of
// the corpus README.
var shapes3 = []shape3{
	{shape: shape{
		// ITU-T "LS/r" whose template says "For action to: IETF" (and non-IETF bodies for
		// information); the Title continues on an indented line; Latin-1 QP body; the
		// approval date and the dates in running text are not the deadline.
		file: "t01-itu-sg2-lsr-for-action-ietf", kind: Statement,
		title: "LS/r on the assignment of E.164 resources for IP-based IoT devices (reply to IETF)",
		org:   l("ITU-T"), group: l("ITU-T SG2", "ITU-T Study Group 2", "ITU-T SG 2"),
		to: l("IETF|IESG"), sender: "tsbsg2@itu.int", fwd: none,
		purpose: l("action"), dl: sp("2027-04-30"), ackSend: yes,
		ackTo: l("tsbsg2@itu.int", "hm.nguyen@mic.example"),
		atts:  l("T25-SG2-LS45!!PDF-E.pdf"),
	}, ids: l("SG2-LS45"), ccHas: l("tsbsg2@itu.int")},
	{shape: shape{
		// ITU-T TSAG TD cover: "Purpose: Discussion" is the TD's purpose, not the LS's;
		// "For action to: -", "For comment to: IAB", "For information to: IESG, IRTF QIRG,
		// ISO/IEC JTC 1/SC 27" (IRTF and ISO are not IETF groups).
		file: "t02-itu-tsag-td-cover-comment-iab", kind: Statement,
		title: "LS on quantum key distribution network terminology and coordination with the IETF and IRTF",
		org:   l("ITU-T"),
		group: l("ITU-T TSAG", "TSAG", "Telecommunication Standardization Advisory Group (TSAG)",
			"ITU-T Telecommunication Standardization Advisory Group"),
		to: l("IAB", "IESG"), sender: "tsbtsag@itu.int", fwd: none,
		purpose: l("comment"), dl: sp("2027-06-01"), ackSend: yes,
		ackTo: l("tsbtsag@itu.int", "mei.lin@itu.int", "andrea.conti@tim.example"),
		tech:  l("mei.lin@itu.int", "andrea.conti@tim.example"),
	}, ids: l("TSAG-TD512|TD512")},
	{shape: shape{
		// ITU-R prose header: "LIAISON STATEMENT TO THE INTERNET ENGINEERING TASK FORCE (IETF)
		// (COPY TO ...)" and the title on its own line below; "Status: For information".
		// The subject ("Liaison statement from ITU-R WP 5D to IETF") names no topic.
		file: "t03-itu-r-wp5d-prose-header", kind: Statement,
		org: l("ITU-R", "ITU"),
		group: l("ITU-R WP 5D", "ITU-R WP5D", "ITU-R Working Party 5D", "WP 5D",
			"Working Party 5D", "ITU-R Working Party 5D (WP 5D)"),
		to: l("IETF|IESG"), sender: "brsgd@itu.int", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("brsgd@itu.int", "jh.lee@msit.example"),
		atts:  l("R23-WP5D-C-0901!N12!PDF-E.pdf"),
	}, titleAlts: l("IP-based transport and mobility requirements for IMT-2030")},
	{shape: shape{
		// 3GPP cover sheet "To: IETF 6MAN", "Cc: RAN3, SA2" (3GPP-internal, not IETF groups),
		// empty "Response to:", meeting dates in section 3.
		file: "t04-3gpp-ran2-to-6man-cc-ran3-sa2", kind: Statement,
		title: "LS on IPv6 multi-homing for NR RedCap IoT devices behind 5G residential gateways",
		org:   l("3GPP"), group: grpRAN2,
		to: l("6MAN"), sender: "yu.chen@etsi.org", fwd: none,
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("yu.chen@etsi.org", "3GPPLiaison@etsi.org", "wei.zhang@huawei.example"),
		resp:  l("3GPPLiaison@etsi.org"), tech: l("wei.zhang@huawei.example"),
		atts: l("R2-2612345.zip"),
	}, ids: l("R2-2612345")},
	{shape: shape{
		// Subject "[LS] S6-261234" only; two "Contact Person:" blocks; "Response to: -".
		file: "t05-3gpp-sa6-two-contacts-ls-tag", kind: Statement,
		title: "LS on OAuth 2.0 sender-constrained access tokens for Edge Enabler Layer APIs",
		org:   l("3GPP"), group: grpSA6,
		to: l("OAUTH"), sender: "pradeep.kumar@samsung.example", fwd: none,
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("pradeep.kumar@samsung.example", "elena.petrova@nokia.example", "3GPPLiaison@etsi.org"),
		resp:  l("3GPPLiaison@etsi.org"),
		tech:  l("pradeep.kumar@samsung.example", "elena.petrova@nokia.example"),
		atts:  l("S6-261234.zip"),
	}, ids: l("S6-261234")},
	{shape: shape{
		// "Purpose: For Comment"; "Deadline: 1/15/2027" is only valid month-first;
		// "Date: 11/20/2026" and "ballot on 2/1/2027" are not deadlines. The title is the
		// block's "Subject:" (continued on an indented line).
		file: "t06-ieee8023-for-comment-us-date", kind: Statement,
		title: "IEEE P802.3dj 200 Gb/s, 400 Gb/s, 800 Gb/s and 1.6 Tb/s Ethernet: benchmarking considerations for RFC 2544 successors",
		org:   l("IEEE"),
		group: l("IEEE 802.3", "IEEE 802.3 WG", "IEEE 802.3 Working Group", "IEEE 802.3 Ethernet Working Group"),
		to:    l("BMWG"), sender: "d.law@ieee802-3.example", sName: "Law, David", fwd: none,
		purpose: l("comment"), dl: sp("2027-01-15"), ackSend: yes,
		ackTo: l("d.law@ieee802-3.example", "a.healey@ieee802-3.example"),
	}},
	{shape: shape{
		// BBF letter: header block with "Subject:", a "cc:" line in the signature,
		// "Broadband Forum Reference: LIAISE-701" and "Date of Upcoming Broadband Forum
		// Meetings" (dates, not a deadline). No deadline field at all.
		file: "t07-bbf-letter-reference-trailer-meetings", kind: Statement,
		title: "TR-471 Issue 4 and IP capacity measurement over QUIC",
		org:   l("Broadband Forum", "BBF"), group: grpBBF,
		to: l("IPPM"), sender: "hokafor@broadband-forum.org", sName: "Helen Okafor", fwd: none,
		purpose: l("comment"), dl: none, ackSend: yes,
		ackTo: l("hokafor@broadband-forum.org"),
	}, ids: l("LIAISE-701"), ccHas: l("liaisons@broadband-forum.org", "lylavoie@iol.unh.example")},
	{shape: shape{
		// "Deadline: 31st March 2027"; "Response to: -" is no response; ordinal meeting
		// dates in section 3.
		file: "t08-etsi-sai-ordinal-month-deadline", kind: Statement,
		title: "LS on vocabulary for AI usage preferences and the ETSI SAI data provenance framework",
		org:   l("ETSI"), group: l("ETSI TC SAI", "TC SAI", "ETSI SAI"),
		to: l("AIPREF"), sender: "carmen.iglesias@etsi.org", fwd: none,
		purpose: l("action"), dl: sp("2027-03-31"), ackSend: yes,
		ackTo: l("carmen.iglesias@etsi.org", "niamh.osullivan@telecom-ie.example"),
		atts:  l("SAI(26)012045r2_LS_to_IETF_AIPREF.docx"),
	}, ids: l("SAI(26)012045r2|SAI(26)012045")},
	{shape: shape{
		// Title continued on an indented line; "Purpose: For Information"; "Deadline: N/A".
		file: "t09-mef-wrapped-title-info-na", kind: Statement,
		title: "MEF W135 LSO Sonata product inventory API and the IETF network inventory base YANG model (draft-ietf-ivy-network-inventory-yang)",
		org:   l("MEF"), group: l("MEF Technical Committee", "MEF TC", "MEF"),
		to: l("OPSAWG", "IVY"), sender: "liaisons@mef.net", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("liaisons@mef.net", "rraghu@ciena.example"),
		resp:  l("liaisons@mef.net"), tech: l("rraghu@ciena.example"),
	}, ccHas: l("rraghu@ciena.example", "ops-ads@ietf.org")},
	{shape: shape{
		// "Response deadline: 2027-05-01"; CoRE only in the statement's CC line (and in the
		// mail's To), so not a to_group; the approval meeting dates are not the deadline.
		file: "t10-onem2m-response-deadline-cc-core", kind: Statement,
		title: "LS to IETF ASDF on SDF mapping for the oneM2M Base Ontology",
		org:   l("oneM2M"), group: l("oneM2M TP", "oneM2M Technical Plenary", "oneM2M TP (Technical Plenary)"),
		to: l("ASDF"), sender: "secretariat@onem2m.org", fwd: none,
		purpose: l("action"), dl: sp("2027-05-01"), ackSend: yes,
		ackTo: l("secretariat@onem2m.org", "joon.park@sk-telecom.example"),
	}, ids: l("TP-2026-0588R01|TP-2026-0588")},
	{shape: shape{
		// Outlook forward whose forwarded To: and Cc: are wrapped onto a second line with no
		// indentation (a display name split from its address).
		file: "t11-outlook-fwd-wrapped-to-cc-oran-wg6", kind: Statement,
		title: "LS on O-Cloud infrastructure inventory and the IETF network inventory model",
		org:   orgORAN,
		group: l("O-RAN Alliance WG6", "O-RAN WG6", "O-RAN Alliance WG6 (Cloudification and Orchestration Work Group)"),
		to:    l("NMOP", "OPSAWG"), sender: "kenji.sato@o-ran.example", sName: "Kenji Sato",
		fwd: sp("bclaise@huawei.example"), fwdName: "Claise, Benoit",
		purpose: l("action"), dl: sp("2027-04-30"), ackSend: yes,
		ackTo: l("kenji.sato@o-ran.example", "ana.pereira@altice.example"),
		resp:  l("kenji.sato@o-ran.example"), tech: l("ana.pereira@altice.example"),
	}, ccHas: l("secretariat@o-ran.example", "ana.pereira@altice.example")},
	{shape: shape{
		// Fields only in a DOCX cover sheet laid out as a Word table; the document's core
		// title is the template's ("GSMA Liaison Statement Template v3"), not the statement's.
		file: "t12-gsma-docx-table-cover-only", kind: Statement,
		title: "LS on DNS resolution and DNSSEC validation across the IPX network",
		org:   l("GSMA"), group: l("GSMA NG", "GSMA Networks Group", "GSMA Networks Group (NG)"),
		to: l("DNSOP"), sender: "tferreira@gsma.com", sName: "Tomás Ferreira", fwd: none,
		purpose: l("comment"), dl: sp("2027-02-28"), ackSend: yes, ackTo: l("tferreira@gsma.com"),
		atts: l("NG_LS_IETF_DNSOP_v1.0.docx"),
	}},
	{shape: shape{
		// Datatracker notification: From group IEEE-802-1, "To: detnet, tsvwg (...)" (two bare
		// acronyms), For comment, "Please reply by 2027-03-01".
		file: "t13-datatracker-ieee8021-two-acronyms", kind: Statement,
		title: "IEEE 802.1 liaison on P802.1Qdv enhancements for cyclic queuing and forwarding",
		org:   l("IEEE"), group: grpIEEE8021,
		to: l("DetNet", "TSVWG"), sender: "janos.farkas@ericsson.example", sName: "János Farkas", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-01"), ackSend: no, ackTo: emptyL, dt: yes,
		resp: l("glenn.parsons@ericsson.example"), tech: l("nfinn@nfinnconsulting.example"),
		atts: emptyL,
	}},
	{shape: shape{
		// The forwarder's note says "Deadline for us: 2027-01-01" and names meeting dates; the
		// statement itself says "Deadline: None".
		file: "t14-gmail-fwd-note-own-deadline-ieee80211", kind: Statement,
		title: "IEEE 802.11bh and 802.11bi status: randomized and changing MAC addresses",
		org:   l("IEEE"), group: l("IEEE 802.11", "IEEE 802.11 WG", "IEEE 802.11 Working Group"),
		to: l("MADINAS"), sender: "dstanley@ieee802-11.example", sName: "Dorothy Stanley",
		fwd: sp("sarah.banks.ietf@gmail.com"), fwdName: "Sarah Banks",
		purpose: l("info"), dl: none, ackSend: yes, ackTo: l("dstanley@ieee802-11.example"),
	}, ccHas: l("r.stacey@ieee802-11.example")},
	{shape: shape{
		// Japanese subject (ISO-2022-JP encoded words) and sender name; English LS body.
		file: "t15-iso2022jp-subject-english-body-ttc", kind: Statement,
		title: "LS on operational experience with DNSSEC key rollover in validating resolvers of Japanese ISPs",
		org:   l("TTC"),
		group: l("TTC WG-IPN", "TTC IP Network Working Group (WG-IPN)", "TTC IP Network Working Group"),
		to:    l("DNSOP"), sender: "t.yamamoto@ttc.or.jp", sName: "山本 隆", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes, ackTo: l("t.yamamoto@ttc.or.jp"),
	}},
	{shape: shape{
		// Thunderbird inline forward, quoted-printable with soft line breaks inside the
		// forwarded header block (Subject, To, CC) and inside the Title.
		file: "t16-thunderbird-qp-softbreaks-fwd-3gpp-sa4", kind: Statement,
		title: "LS on RTP payload format for the IVAS codec and SDP offer/answer for immersive audio",
		org:   l("3GPP"), group: grpSA4,
		to: l("AVTCORE", "MMUSIC"), sender: "stefan.doehla@iis.fraunhofer.example", sName: "Stefan Döhla",
		fwd: sp("ines.bauer@avtcore-chair.example"), fwdName: "Ines Bauer",
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("stefan.doehla@iis.fraunhofer.example", "3GPPLiaison@etsi.org"),
		resp:  l("3GPPLiaison@etsi.org"), tech: l("stefan.doehla@iis.fraunhofer.example"),
	}, ids: l("S4-262011"), ccHas: l("3GPPLiaison@etsi.org", "imre.varga@qualcomm.example")},
	{shape: shape{
		// "Please see attached LS." The statement is a text/plain attachment LS.txt
		// (Content-Disposition: attachment): a careful person opens it and records it, and
		// LS.txt is the statement's attachment.
		file: "t17-statement-in-ls-txt-attachment", kind: Statement,
		title: "Liaison statement to IETF ASDF on ISO/IEC 30141 IoT reference architecture and the Semantic Definition Format",
		org:   orgISO,
		group: l("ISO/IEC JTC 1/SC 41", "ISO/IEC JTC1/SC41", "JTC 1/SC 41", "SC 41", "ISO/IEC JTC 1 SC 41"),
		to:    l("ASDF"), sender: "karl.svensson@sis.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-12"), ackSend: yes,
		ackTo: l("karl.svensson@sis.example", "mei.tanaka@aist.example"),
		atts:  l("LS.txt"),
	}},
	// Mailman 3 "Your message to CCAMP awaits moderator approval", to the chair who posted.
	{shape: shape{file: "t18a-not-mailman-held-notice-to-poster", kind: NotStatement}},
	// Mailman 2 "CCAMP post from tsbsg15@itu.int requires approval" to the list owners, with
	// the held LS (fields, PDF) as message/rfc822: list administrivia, not a forward. The LS
	// is recorded when it arrives through the list once approved.
	{shape: shape{file: "t18b-not-mailman2-admin-approval-rfc822", kind: NotStatement}},
	// Outlook meeting request (text/calendar, Content-Class calendarmessage) to discuss an
	// LS; its text quotes "Title:", "Purpose: For action" and a deadline.
	{shape: shape{file: "t19-not-calendar-invite-about-ls", kind: NotStatement}},
	// Mailman 3 list welcome ("Liaison statements received by the working group are also
	// posted here").
	{shape: shape{file: "t20-not-mailman3-list-welcome", kind: NotStatement}},
	// Mailchimp newsletter from an SDO (Precedence: bulk, List-Unsubscribe, List-Id)
	// announcing "new liaison statements published" with a link.
	{shape: shape{file: "t21-not-sdo-newsletter-bulk", kind: NotStatement}},
	// Datatracker "[Liaison deadline in one week] <title>" reminder. It carries the full field
	// block, but it is the Datatracker's reminder about a statement already posted there (and
	// received as "New Liaison Statement", t13), not a new incoming statement: recording it
	// would make a second record of one statement, or a record of a statement that reached us
	// only as a reminder. liaisond sends its own reminders.
	{shape: shape{file: "t22-not-datatracker-deadline-reminder", kind: NotStatement}},
	// "RE: Receipt of <title>": the SDO thanks us for our acknowledgement (quoted below with
	// a field block).
	{shape: shape{file: "t23-not-sdo-thanks-for-receipt", kind: NotStatement}},
	// German vacation reply, "Auto-Submitted: auto-replied (vacation)", subject not in any
	// auto-reply word list.
	{shape: shape{file: "t24-not-vacation-german-autosubmitted", kind: NotStatement}},
	{shape: shape{
		// No Title field: the title is the subject.
		file: "t25a-resend-original-ieee802154", kind: Statement,
		title: title25, org: l("IEEE"), group: grpIEEE80215,
		to: l("6LO"), sender: "pat.kinney@kinneyconsult.example", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes, ackTo: l("pat.kinney@kinneyconsult.example"),
		atts: l("15-26-0612-00-0000-liaison-to-ietf-6lo.pdf"),
	}},
	{shape: shape{
		// The same statement again: "RESEND:" subject, new Message-ID, one more Cc, the same
		// attachment bytes. The parser alone sees a statement; the intake links it to t25a
		// (see TestShapes3Resend). The ack decision is the intake's, so it is not checked.
		file: "t25b-resend-new-msgid-ieee802154", kind: Statement,
		title: title25, org: l("IEEE"), group: grpIEEE80215,
		to: l("6LO"), sender: "pat.kinney@kinneyconsult.example", fwd: none,
		purpose: l("info"), dl: none,
		atts: l("15-26-0612-00-0000-liaison-to-ietf-6lo.pdf"),
	}, ccHas: l("carles.gomez@upc.example")},
	{shape: shape{
		// 8bit UTF-8 body with "Content-Type: text/plain" and no charset, raw UTF-8 in From:;
		// "Deadline: 15.03.2027" (day first, dotted).
		file: "t26-8bit-utf8-no-charset-iec-tc57", kind: Statement,
		title: "IEC 62351-9 Ed. 3 key and certificate management for power system equipment and the use of EST and ACME",
		org:   l("IEC"),
		group: l("IEC TC 57 WG 15", "IEC TC57 WG15", "IEC TC 57/WG 15", "IEC TC57/WG15",
			"IEC TC 57 WG 15 (Data and communications security)"),
		to: l("LAMPS"), sender: "j.mueller@dke.example", sName: "Jürgen Müller", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-15"), ackSend: yes,
		ackTo:   l("j.mueller@dke.example", "steffen.fries@siemens.example"),
		bodyHas: l("Jürgen Müller", "Mit freundlichen Grüßen"),
	}},
}

func parseMail3(t *testing.T, file string) *Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "mails3", file+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(raw, shapeOpts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestShapes3 parses the third round of mail shapes and compares what matters for each with
// what a careful coordinator would record.
func TestShapes3(t *testing.T) {
	seen := map[string]bool{}
	for _, sh := range shapes3 {
		sh := sh
		seen[sh.file] = true
		t.Run(sh.file, func(t *testing.T) {
			res := parseMail3(t, sh.file)
			checkShape(t, sh.shape, res)
			if res.Kind != Statement {
				return
			}
			st := res.Statement
			if sh.titleAlts != nil && !anyOf(st.Title, sh.titleAlts, corpus.Text) {
				t.Errorf("title = %q, want one of %q", st.Title, sh.titleAlts)
			}
			for _, id := range sh.ids {
				alts := strings.Split(id, "|")
				hit := false
				for _, got := range st.OtherIdentifiers {
					hit = hit || anyOf(got, alts, corpus.Text)
				}
				if !hit {
					t.Errorf("other_identifiers = %q, want one of %q among them", st.OtherIdentifiers, alts)
				}
			}
			if sh.ccHas != nil {
				got := contactEmails(st.CcContacts)
				for _, w := range corpus.Emails(sh.ccHas) {
					found := false
					for _, g := range got {
						found = found || g == w
					}
					if !found {
						t.Errorf("cc_contacts = %q, want %q among them", got, w)
					}
				}
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "mails3", "*.eml"))
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".eml"); !seen[n] {
			t.Errorf("testdata/mails3/%s.eml has no row in shapes3", n)
		}
	}
}

// TestShapes3Resend checks that a re-sent statement (new Message-ID, "RESEND:" subject, the
// same attachment bytes) parses to what the intake's duplicate check compares: the same title,
// sender and attachment hashes, under a different Message-ID.
func TestShapes3Resend(t *testing.T) {
	a := parseMail3(t, "t25a-resend-original-ieee802154")
	b := parseMail3(t, "t25b-resend-new-msgid-ieee802154")
	if a.Kind != Statement || b.Kind != Statement {
		t.Fatalf("kinds = %v, %v; want statements", a.Kind, b.Kind)
	}
	if a.MessageID == b.MessageID {
		t.Errorf("same Message-ID %q", a.MessageID)
	}
	if corpus.Text(a.Statement.Title) != corpus.Text(b.Statement.Title) {
		t.Errorf("titles differ: %q vs %q", a.Statement.Title, b.Statement.Title)
	}
	ea, eb := "", ""
	if a.Statement.FromContact != nil {
		ea = normEmail(a.Statement.FromContact.Email)
	}
	if b.Statement.FromContact != nil {
		eb = normEmail(b.Statement.FromContact.Email)
	}
	if ea == "" || ea != eb {
		t.Errorf("senders differ: %q vs %q", ea, eb)
	}
	hashes := func(r *Result) []string {
		var h []string
		for _, at := range r.Statement.Attachments {
			h = append(h, at.SHA256)
		}
		return h
	}
	if ha, hb := hashes(a), hashes(b); len(ha) != 1 || !equalStrings(ha, hb) {
		t.Errorf("attachment hashes differ: %q vs %q", ha, hb)
	}
}
