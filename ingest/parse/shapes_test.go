package parse

import (
	"github.com/ietf-tools/liaisond/internal/corpus"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// shape is one mail in testdata/mails and what a careful coordinator records from it
// (the conventions of testdata/corpus/README.md). Zero values mean "not checked", so rows
// name only what they are about. Fields with alternatives accept any listed value.
type shape struct {
	file string
	kind Kind

	title   string   // normalised text; "" = skip
	org     []string // from_org alternatives; nil = skip
	group   []string // from_groups[0] alternatives; nil = skip
	to      []string // IETF to_groups; each entry may be "A|B" alternatives; nil = skip
	sender  string   // from_contact email; "" = skip
	sName   string   // from_contact name as written; "" = skip
	fwd     *string  // forwarded_by email; nil = skip, "" = must be none
	fwdName string   // forwarded_by name as written; "" = skip
	purpose []string // alternatives; nil = skip
	dl      *string  // deadline; nil = skip, "" = must be none
	ackSend *bool
	ackTo   []string // set of emails; nil = skip
	resp    []string // response contacts (set); nil = skip
	tech    []string // technical contacts (set); nil = skip
	dt      *bool    // Result.Datatracker
	atts    []string // attachment filenames (multiset); nil = skip
	bodyHas []string // normalised substrings of the body
	problem string   // substring of one of the problems

	reply *wantReply
}

type wantReply struct {
	token  string
	action string
	edits  int    // -1 = skip
	reason string // substring; "" = skip
}

func sp(s string) *string { return &s }
func bp(b bool) *bool     { return &b }

var (
	none = sp("")
	yes  = bp(true)
	no   = bp(false)
)

func l(s ...string) []string { return s }

var shapes = []shape{
	{
		file: "s01-outlook-de-fwd-3gpp-ran2", kind: Statement,
		title: "LS on support of deterministic networking over 5G NR",
		org:   l("3GPP"),
		group: l("3GPP TSG RAN WG2", "3GPP RAN WG2", "3GPP RAN2", "3GPP TSG-RAN WG2", "RAN WG2", "3GPP TSG RAN2", "TSG RAN WG2"),
		to:    l("DetNet"), sender: "kate.morris@qualcomm.example", fwd: sp("thomas.mueller@telekom.example"),
		fwdName: "Müller, Thomas",
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("kate.morris@qualcomm.example", "3GPPLiaison@etsi.org"),
		resp:  l("3GPPLiaison@etsi.org"), tech: l("kate.morris@qualcomm.example"),
		atts: l("R2-2611234.pdf"),
	},
	{
		file: "s02-outlook-fr-fwd-etsi-cyber", kind: Statement,
		title: "LS on quantum-safe hybrid key establishment in TLS 1.3 and X.509",
		org:   l("ETSI"), group: l("ETSI TC CYBER", "ETSI CYBER", "TC CYBER"),
		to: l("TLS", "LAMPS"), sender: "laura.santos@etsi.org", fwd: sp("claire.dupont@orange.example"),
		purpose: l("comment"), dl: sp("2026-12-15"), ackSend: yes,
		ackTo: l("laura.santos@etsi.org", "erik.nilsson@ericsson.example"),
		atts:  l("CYBER(26)042012r1_LS_to_IETF.pdf"),
	},
	{
		file: "s03-thunderbird-fwd-oran-wg9", kind: Statement,
		title: "LS on alignment of O-RAN transport slice models with the IETF Network Slice Service YANG model",
		org:   l("O-RAN Alliance", "O-RAN"),
		group: l("O-RAN Alliance WG9", "O-RAN WG9", "O-RAN Alliance WG9 (Open X-haul Transport Work Group)"),
		to:    l("TEAS"), sender: "hiroshi.tanaka@kddi.example", fwd: sp("lberger@labn.example"),
		purpose: l("action"), dl: sp("2026-12-15"), ackSend: yes,
		ackTo: l("hiroshi.tanaka@kddi.example", "sara.lindqvist@ericsson.example"),
	},
	{
		file: "s04-double-fwd-outlook-gmail-itu-tsag", kind: Statement,
		title: "LS on coordination of standardization work on digital twin networks",
		org:   l("ITU-T"), group: l("ITU-T TSAG", "TSAG"),
		to: l("IAB", "IESG"), sender: "tsbtsag@itu.int", fwd: sp("mirja.holm@iab-member.example"),
		purpose: l("action"), dl: sp("2027-02-28"), ackSend: yes,
		ackTo: l("tsbtsag@itu.int", "mei.lin@itu.int"),
		atts:  l("T25-TSAG-LS12!!PDF-E.pdf"),
	},
	{
		file: "s05-datatracker-incoming-itu-sg13", kind: Statement,
		title: "LS on AI-native network operations and digital twin based intent validation",
		org:   l("ITU-T"), group: l("ITU-T SG13", "ITU-T-SG-13", "ITU-T Study Group 13", "ITU-T SG 13"),
		to: l("NMOP"), sender: "li.shen@chinamobile.example", fwd: none,
		purpose: l("action"), dl: sp("2027-02-01"), ackSend: no, ackTo: l(), dt: yes,
		resp: l("tsbsg13@itu.int"), tech: l("li.shen@chinamobile.example"),
	},
	{file: "s06-datatracker-outgoing-opsawg", kind: NotStatement},
	{
		file: "s07-itu-d-space-colon", kind: Statement,
		title: "Liaison statement on the use of common alerting protocol (CAP) based public warning over IP networks",
		org:   l("ITU-D", "ITU"), group: l("ITU-D SG2", "ITU-D Study Group 2", "ITU-D SG 2"),
		to: l("IETF|IESG"), sender: "devsg2@itu.int", fwd: none,
		purpose: l("action"), dl: sp("2027-03-15"), ackSend: yes,
		ackTo: l("devsg2@itu.int", "amina.diallo@itu.int"), tech: l("amina.diallo@itu.int"),
	},
	{
		file: "s08-dmarc-list-netmod-bbf", kind: Statement,
		title: "YANG packages for access network devices",
		org:   l("Broadband Forum", "BBF"),
		group: l("BBF Technical Committee", "Broadband Forum Technical Committee", "Broadband Forum", "BBF TC"),
		to:    l("NETMOD"), sender: "anna.berg@ericsson.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-01-31"), ackSend: yes,
		ackTo: l("anna.berg@ericsson.example", "dwhitaker@broadband-forum.org"),
	},
	{file: "s09a-ooo-german-no-autosubmitted", kind: NotStatement},
	{file: "s09b-ooo-french", kind: NotStatement},
	{file: "s10-mailman-digest", kind: NotStatement},
	{file: "s11-own-ack-back-via-list", kind: NotStatement},
	{file: "s12a-command-confirm-quoted", kind: Command,
		reply: &wantReply{token: "abcdefghijklmnopqrstuvwx", action: "confirm", edits: 0}},
	{file: "s12b-command-edit-outlook", kind: Command,
		reply: &wantReply{token: "abcdefghijklmnopqrstuvwx", action: "edit", edits: 2}},
	{file: "s12c-command-reject", kind: Command,
		reply: &wantReply{token: "abcdefghijklmnopqrstuvwx", action: "reject", edits: 0, reason: "duplicate of LS-2026-0040"}},
	{
		file: "s13-html-only-w3c", kind: Statement,
		title: "Liaison on layering of cookies between RFC 6265bis and the Fetch & HTML standards",
		org:   l("W3C"),
		group: l("W3C Web Application Security Working Group", "W3C WebAppSec WG", "W3C WebAppSec",
			"W3C Web Application Security WG", "Web Application Security Working Group"),
		to: l("HTTPBIS"), sender: "plh@w3.org", fwd: none,
		purpose: l("comment"), dl: sp("2027-01-31"), ackSend: yes,
		ackTo:   l("plh@w3.org", "mkwst@chromium.example"),
		bodyHas: l("into the Fetch & HTML standards", "HTTPBIS WG\u2019s view"),
	},
	{
		file: "s14-gsma-docx-only", kind: Statement,
		title: "LS on post-quantum certificate profiles for eSIM remote provisioning",
		org:   l("GSMA"),
		group: l("GSMA FASG", "GSMA Fraud and Security Group", "GSMA Fraud and Security Group (FASG)", "FASG"),
		to:    l("LAMPS"), sender: "srossi@gsma.com", fwd: none,
		purpose: l("comment"), dl: sp("2027-04-30"), ackSend: yes, ackTo: l("srossi@gsma.com"),
		atts: l("FASG_LS_to_IETF_LAMPS.docx"),
	},
	{file: "s15-spam-flagged", kind: NotStatement},
	{
		file: "s16-reply-lsr-itu-sg15-above-quoted", kind: Statement,
		title: "LS/r on OTN topology YANG models (reply to IETF CCAMP)",
		org:   l("ITU-T"), group: l("ITU-T SG15", "ITU-T Study Group 15", "ITU-T SG 15"),
		to: l("CCAMP"), sender: "tsbsg15@itu.int", fwd: none,
		purpose: l("response", "info"), dl: none, ackSend: yes,
		ackTo: l("tsbsg15@itu.int", "hui.ding@chinamobile.example"),
	},
	{file: "s17-not-wg-discussion-new-thread", kind: NotStatement},
	{
		file: "s18-3gpp-ct4-response-action-none", kind: Statement,
		title: "Reply LS on use of SVCB records for NF discovery",
		org:   l("3GPP"),
		group: l("3GPP TSG CT WG4", "3GPP CT4", "3GPP CT WG4", "3GPP TSG-CT WG4", "CT WG4", "3GPP TSG CT4", "TSG CT WG4"),
		to:    l("DNSOP"), sender: "3gppliaison@etsi.org", fwd: none,
		purpose: l("response"), dl: none, ackSend: yes,
		ackTo: l("3gppliaison@etsi.org", "marco.bianchi@tim.example"),
	},
	{
		file: "s19-ieee8021-ordinal-deadline", kind: Statement,
		title: "IEEE 802.1 liaison on P802.1DU and DetNet/TSN interworking",
		org:   l("IEEE"), group: l("IEEE 802.1", "IEEE 802.1 WG", "IEEE 802.1 Working Group"),
		to: l("DetNet", "TSVWG"), sender: "m.keller@ieee802-1.example", fwd: none,
		purpose: l("action"), dl: sp("2027-01-15"), ackSend: yes,
	},
	{
		file: "s20-iso-sc27-unknown-charset", kind: Statement,
		title: "Liaison statement from ISO/IEC JTC 1/SC 27 to IETF on ISO/IEC 27090 (Cybersecurity - Artificial intelligence)",
		org:   l("ISO/IEC JTC 1", "ISO/IEC", "ISO/IEC JTC1"),
		group: l("ISO/IEC JTC 1/SC 27", "ISO/IEC JTC1/SC27", "JTC 1/SC 27", "SC 27", "ISO/IEC JTC 1 SC 27"),
		to:    l("SEC|Security|SAAG|Security Area (SAAG)"), sender: "sc27-secretariat@din.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-31"), ackSend: yes,
		ackTo: l("sc27-secretariat@din.example", "jose.garcia@sc27-liaison.example"),
		// The part's charset is unknown; its bytes are Latin-1 (=E9, =ED). A careful reader
		// reads them as such rather than as U+FFFD.
		bodyHas: l("references to TLS 1.3 and HPKE", "José García"),
		atts:    l("SC27_N23817_LS_IETF.pdf"),
	},
	{file: "s21-bounce-plain-exim", kind: NotStatement},
	{
		file: "s22a-ccsa-deadline-na", kind: Statement,
		title: "Progress of CCSA TC3 work on network inventory YANG models",
		org:   l("CCSA"), group: l("CCSA TC3", "CCSA TC3 (Network and Business Capability)"),
		to: l("OPSAWG"), sender: "liwei@ccsa.org.cn", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("liwei@ccsa.org.cn", "zhangmin@caict.example"),
	},
	{
		file: "s22b-unicode-deadline-na", kind: Statement,
		title: "Unicode 18.0 changes to identifier properties (UAX #31) and their effect on IDNA 2008 and PRECIS",
		org:   l("Unicode Consortium", "Unicode"),
		group: l("Unicode Technical Committee", "UTC", "Unicode Technical Committee (UTC)", "Unicode Consortium UTC"),
		to:    l("ART"), sender: "liaison@unicode.org", fwd: none,
		purpose: l("comment"), dl: none, ackSend: yes,
		ackTo:   l("liaison@unicode.org", "pgcon@unicode.example"),
		bodyHas: l("RFC 8264 (\u201cPRECIS\u201d)"),
	},
	{
		file: "s23-nested-rfc822-onem2m", kind: Statement,
		title: "LS on CoAP group communication for oneM2M Release 6",
		org:   l("oneM2M"), group: l("oneM2M TP", "oneM2M Technical Plenary"),
		to: l("CoRE"), sender: "secretariat@onem2m.org", fwd: sp("francesca.palombini@ericsson.example"),
		purpose: l("action"), dl: sp("2027-02-15"), ackSend: yes,
		ackTo: l("secretariat@onem2m.org", "joon.park@sk-telecom.example"),
		atts:  l("TP-2026-0412-LS_to_IETF_CoRE.pdf"),
	},
	{
		file: "s24-winmail-dat-atis", kind: Statement,
		title: "LS on the use of the SIP Identity header for non-E.164 calling numbers",
		org:   l("ATIS"),
		group: l("ATIS PTSC", "ATIS Packet Technologies and Systems Committee (PTSC)", "ATIS Packet Technologies and Systems Committee"),
		to:    l("SIPCORE"), sender: "jsmith@atis.example", fwd: none,
		purpose: l("action"), dl: sp("2027-02-26"), ackSend: yes,
		ackTo: l("jsmith@atis.example", "priya.natarajan@carrier.example"),
		atts:  l("winmail.dat"), problem: "winmail.dat",
	},
	{
		file: "s25-itu-sg17-ietf-info-only", kind: Statement,
		title: "LS on X.509 profile for post-quantum certificates",
		org:   l("ITU-T"), group: l("ITU-T SG17", "ITU-T Study Group 17", "ITU-T SG 17"),
		to: l("LAMPS", "ACME"), sender: "tsbsg17@itu.int", fwd: none,
		purpose: l("info"), ackSend: yes,
		ackTo: l("tsbsg17@itu.int", "arnaud.lefevre@operator.example"),
	},
	{
		file: "s26-etsi-zsm-pdf-only", kind: Statement,
		title: "LS on closed-loop automation and intent-based management",
		org:   l("ETSI"), group: l("ETSI ISG ZSM", "ISG ZSM"),
		to: l("NMOP"), sender: "ana.sousa@etsi.org", fwd: none,
		purpose: l("action"), dl: sp("2027-03-31"), ackSend: yes, ackTo: l("ana.sousa@etsi.org"),
		atts: l("ZSM(26)000412_LS_to_IETF_NMOP.pdf"),
	},
	{
		file: "s27-notes-fwd-mef", kind: Statement,
		title: "MEF 66.1 Service OAM YANG and alignment with IETF L2VPN OAM models",
		org:   l("MEF"), group: l("MEF Technical Committee", "MEF TC", "MEF"),
		to: l("CCAMP", "OPSAWG"), sender: "liaison@mef.net", fwd: sp("dbrungard@att.example"),
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("liaison@mef.net", "rraghu@ciena.example"),
	},
	{
		file: "s28-outlook-ja-fwd-iso2022jp-ttc", kind: Statement,
		title: "LS on RPKI ROA and ASPA deployment status in Japan",
		org:   l("TTC"),
		group: l("TTC WG-NS", "TTC Network Security Working Group (WG-NS)", "TTC Network Security Working Group"),
		to:    l("SIDROPS"), sender: "k-watanabe@ttc.or.jp", sName: "Kenji Watanabe",
		fwd: sp("sato.hiroki@ntt.example"), fwdName: "佐藤 宏樹",
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("k-watanabe@ttc.or.jp", "yuki.mori@kddi.example"),
	},
}

var shapeOpts = Options{
	OwnAddresses: []string{"ls-intake@ietf.org"},
	OwnDomains:   []string{"ls-intake.ietf.org"},
}

// TestShapes parses mails of shapes the corpus does not show and compares what matters for
// each with what a careful coordinator would record.
func TestShapes(t *testing.T) { runShapes(t, "mails", shapes) }

// runShapes parses every row's mail in testdata/dir and checks it; a mail without a row is
// an error, so that no test mail goes unchecked.
func runShapes(t *testing.T, dir string, rows []shape) {
	seen := map[string]bool{}
	for _, sh := range rows {
		seen[sh.file] = true
		t.Run(sh.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", dir, sh.file+".eml"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(raw, shapeOpts)
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, sh, res)
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
	for _, f := range files {
		if n := strings.TrimSuffix(filepath.Base(f), ".eml"); !seen[n] {
			t.Errorf("testdata/%s/%s.eml has no row", dir, n)
		}
	}
}

func checkShape(t *testing.T, sh shape, res *Result) {
	t.Helper()
	if res.Kind != sh.kind {
		t.Fatalf("kind = %v (reason %q, title %q), want %v", res.Kind, res.Reason, res.Statement.Title, sh.kind)
	}
	switch sh.kind {
	case NotStatement:
		if res.Reason == "" {
			t.Errorf("not a statement without a reason")
		}
		if res.Ack.Send || len(res.Ack.To) > 0 {
			t.Errorf("ack = %+v for a non-statement", res.Ack)
		}
		return
	case Command:
		r := res.Reply
		if r == nil {
			t.Fatalf("Reply = nil")
		}
		w := sh.reply
		if r.Token != w.token {
			t.Errorf("reply token = %q, want %q", r.Token, w.token)
		}
		if r.Action != w.action {
			t.Errorf("reply action = %q, want %q (edits %v, reason %q)", r.Action, w.action, r.Edits, r.Reason)
		}
		if w.edits >= 0 && len(r.Edits) != w.edits {
			t.Errorf("reply edits = %d %v, want %d", len(r.Edits), r.Edits, w.edits)
		}
		if w.reason != "" && !strings.Contains(corpus.Text(r.Reason), corpus.Text(w.reason)) {
			t.Errorf("reply reason = %q, want it to contain %q", r.Reason, w.reason)
		}
		if res.Ack.Send {
			t.Errorf("ack.send for a command")
		}
		return
	}

	st := res.Statement
	if sh.title != "" && corpus.Text(st.Title) != corpus.Text(sh.title) {
		t.Errorf("title = %q, want %q", st.Title, sh.title)
	}
	if sh.org != nil && !anyOf(st.FromOrg, sh.org, corpus.Text) {
		t.Errorf("from_org = %q, want one of %q", st.FromOrg, sh.org)
	}
	if sh.group != nil {
		g := ""
		if len(st.FromGroups) > 0 {
			g = st.FromGroups[0]
		}
		if !anyOf(g, sh.group, corpus.Text) {
			t.Errorf("from_group = %q (all %q), want one of %q", g, st.FromGroups, sh.group)
		}
	}
	if sh.to != nil {
		checkShapeGroups(t, st.ToGroups, sh.to)
	}
	if sh.sender != "" {
		got := ""
		if st.FromContact != nil {
			got = st.FromContact.Email
		}
		if normEmail(got) != normEmail(sh.sender) {
			t.Errorf("sender = %q, want %q", got, sh.sender)
		}
	}
	if sh.sName != "" {
		got := ""
		if st.FromContact != nil {
			got = st.FromContact.Name
		}
		if corpus.Text(got) != corpus.Text(sh.sName) {
			t.Errorf("sender name = %q, want %q", got, sh.sName)
		}
	}
	if sh.fwdName != "" {
		got := ""
		if st.ForwardedBy != nil {
			got = st.ForwardedBy.Name
		}
		if corpus.Text(got) != corpus.Text(sh.fwdName) {
			t.Errorf("forwarded_by name = %q, want %q", got, sh.fwdName)
		}
	}
	if sh.fwd != nil {
		got := ""
		if st.ForwardedBy != nil {
			got = st.ForwardedBy.Email
		}
		if normEmail(got) != normEmail(*sh.fwd) {
			t.Errorf("forwarded_by = %q, want %q", got, *sh.fwd)
		}
	}
	if sh.purpose != nil && !anyOf(string(st.Purpose), sh.purpose, corpus.Text) {
		t.Errorf("purpose = %q, want one of %q", st.Purpose, sh.purpose)
	}
	if sh.dl != nil && st.Deadline != *sh.dl {
		t.Errorf("deadline = %q, want %q", st.Deadline, *sh.dl)
	}
	if sh.ackSend != nil && res.Ack.Send != *sh.ackSend {
		t.Errorf("ack.send = %v (reason %q), want %v", res.Ack.Send, res.Ack.Reason, *sh.ackSend)
	}
	if sh.ackTo != nil {
		if got, want := corpus.Emails(res.Ack.To), corpus.Emails(sh.ackTo); !equalStrings(got, want) {
			t.Errorf("ack.to = %q (reason %q), want %q", got, res.Ack.Reason, want)
		}
	}
	if sh.resp != nil {
		if got, want := contactEmails(st.ResponseContacts), corpus.Emails(sh.resp); !equalStrings(got, want) {
			t.Errorf("response contacts = %q, want %q", got, want)
		}
	}
	if sh.tech != nil {
		if got, want := contactEmails(st.TechnicalContacts), corpus.Emails(sh.tech); !equalStrings(got, want) {
			t.Errorf("technical contacts = %q, want %q", got, want)
		}
	}
	if sh.dt != nil && res.Datatracker != *sh.dt {
		t.Errorf("datatracker = %v, want %v", res.Datatracker, *sh.dt)
	}
	if sh.atts != nil {
		var got []string
		for _, a := range st.Attachments {
			got = append(got, a.Filename)
		}
		want := append([]string(nil), sh.atts...)
		sort.Strings(got)
		sort.Strings(want)
		if !equalStrings(got, want) {
			t.Errorf("attachments = %q, want %q", got, want)
		}
	}
	for _, s := range sh.bodyHas {
		if !strings.Contains(corpus.Text(st.Body), corpus.Text(s)) {
			t.Errorf("body lacks %q; body starts %q", s, short(st.Body, 300))
		}
	}
	if sh.problem != "" {
		found := false
		for _, p := range res.Problems {
			if strings.Contains(strings.ToLower(p), strings.ToLower(sh.problem)) {
				found = true
			}
		}
		if !found {
			t.Errorf("problems = %q, want one mentioning %q", res.Problems, sh.problem)
		}
	}
}

// checkShapeGroups wants every expected group (an entry may list "A|B" alternatives) matched
// by a different actual group, and no extra groups.
func checkShapeGroups(t *testing.T, got, want []string) {
	t.Helper()
	used := make([]bool, len(got))
	ok := len(got) == len(want)
	for _, w := range want {
		alts := strings.Split(w, "|")
		hit := false
		for i, g := range got {
			if !used[i] && anyOf(g, alts, corpus.Group) {
				used[i], hit = true, true
				break
			}
		}
		ok = ok && hit
	}
	if !ok {
		t.Errorf("to_groups = %q, want %q", got, want)
	}
}

func anyOf(got string, alts []string, n func(string) string) bool {
	for _, a := range alts {
		if n(got) == n(a) {
			return true
		}
	}
	return false
}

func normEmail(s string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), "<>"))
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
