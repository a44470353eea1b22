package parse

import (
	"os"
	"strings"
	"testing"

	liaisond "github.com/ietf-tools/liaisond"
)

func TestParseDeadline(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-12-15", "2026-12-15"},
		{"15 December 2026", "2026-12-15"},
		{"15/12/2026", "2026-12-15"},
		{"12/31/2026", "2026-12-31"}, // only month-first is a date
		{"31.01.2027", "2027-01-31"},
		{"December 15, 2026", "2026-12-15"},
		{"Friday, 15th January 2027", "2027-01-15"},
		{"Reply by 1 March 2027", "2027-03-01"},
		{"15 Dec. 2026", "2026-12-15"},
		{"18-Dec-2026", "2026-12-18"},
		{"15-01-2027", "2027-01-15"},
		{"15/01-2027", ""},
		{"2026/12/15", "2026-12-15"},
		{"1er mars 2027", "2027-03-01"},
		{"-", ""},
		{"N/A", ""},
		{"none", ""},
		{"31 February 2027", ""},
		{"next meeting", ""},
	} {
		got, _ := parseDeadline(tc.in)
		if got != tc.want {
			t.Errorf("parseDeadline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanSubject(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Re: Fwd: LS on X", "LS on X"},
		{"AW: WG: TR: RV: SV: LS on X", "LS on X"},
		{"RE : [netmod] [EXT] RESEND: LS on X", "LS on X"},
		{`New Liaison Statement, "LS on YANG"`, "LS on YANG"},
		{"Fw[2]: 転送: LS on X", "LS on X"},
		{"[Idr] LS from 3GPP CT4 to IETF IDR (C4-265432)", "LS from 3GPP CT4 to IETF IDR (C4-265432)"},
		{"LS on LS numbering", "LS on LS numbering"},
	} {
		if got := cleanSubject(tc.in); got != tc.want {
			t.Errorf("cleanSubject(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeFromGroup(t *testing.T) {
	for _, tc := range []struct{ in, org, want string }{
		{"ITU-T Study Group 15", "ITU-T", "ITU-T SG15"},
		{"ITU-T SG 15", "ITU-T", "ITU-T SG15"},
		{"Study Group 2", "ITU-T", "ITU-T SG2"},
		{"TSAG", "ITU-T", "ITU-T TSAG"},
		{"SA WG2", "3GPP", "3GPP TSG SA WG2"},
		{"3GPP TSG-CT WG4", "3GPP", "3GPP TSG CT WG4"},
		{"RAN2", "3GPP", "3GPP TSG RAN WG2"},
		{"3GPP TSG SA", "3GPP", "3GPP TSG SA"},
		{"IEEE 802.11 Working Group", "IEEE", "IEEE 802.11"},
		{"ATIS Packet Technologies and Systems Committee (PTSC)", "ATIS", "ATIS PTSC"},
		{"Technical Committee", "Broadband Forum", "Broadband Forum Technical Committee"},
		{"ETSI ISG MEC", "ETSI", "ETSI ISG MEC"},
	} {
		if got := normalizeFromGroup(tc.in, tc.org); got != tc.want {
			t.Errorf("normalizeFromGroup(%q, %q) = %q, want %q", tc.in, tc.org, got, tc.want)
		}
	}
}

func TestIETFGroups(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"IETF NETMOD WG, IETF OPSAWG", []string{"IETF NETMOD WG", "IETF OPSAWG WG"}},
		{"IEEE 802.3, OIF", nil},
		{"IAB", []string{"IAB"}},
		{"Internet Architecture Board and IESG", []string{"IAB", "IESG"}},
		{"IETF OPS Area", []string{"IETF OPS Area"}},
		{"IRTF CFRG", nil},
		{"CCAMP WG; ITU-T SG15", []string{"IETF CCAMP WG"}},
		{"IETF CCAMP WG (ccamp-chairs@ietf.org)", []string{"IETF CCAMP WG"}},
		{"-", nil},
	} {
		got := ietfGroups(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ietfGroups(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPurposeOf(t *testing.T) {
	for _, tc := range []struct {
		block string
		title string
		want  liaisond.Purpose
	}{
		{"Purpose: For action", "", liaisond.PurposeAction},
		{"Purpose: For information", "", liaisond.PurposeInfo},
		{"Purpose: In Response", "", liaisond.PurposeResponse},
		{"Purpose: For action (IETF DetNet); for information (IETF TSVWG)", "", liaisond.PurposeAction},
		{"Purpose: IEEE 802.3 for action; IETF CCAMP for information", "", liaisond.PurposeInfo},
		{"For action to: IEEE 802.3\nFor information to: IETF CCAMP WG", "", liaisond.PurposeInfo},
		{"For action to: -\nFor comment to: IETF STIR WG", "", liaisond.PurposeComment},
		{"ACTION: None.", "", liaisond.PurposeInfo},
		{"Response to: C4-261111\nACTION: None.", "", liaisond.PurposeResponse},
		{"ACTION: CT4 asks IETF IDR to reply.", "", liaisond.PurposeAction},
		{"For information to: IETF CCAMP WG", "LS/r on OTN", liaisond.PurposeResponse},
		{"Title: x", "x", liaisond.PurposeNone},
		{"Action: For comment by the IESG; for information to the IAB", "", liaisond.PurposeComment},
		{"Expected action: COMM", "", liaisond.PurposeComment},
		{"Title: x\nDeadline: 2027-03-01", "x", liaisond.PurposeAction},
		{"Title: Reply to IETF HTTPAPI\nDeadline: 2027-03-01", "Reply to IETF HTTPAPI", liaisond.PurposeAction},
		{"Purpose: In response\nDeadline: 2027-03-01", "", liaisond.PurposeResponse},
	} {
		deadline := scanFields(tc.block).has("deadline")
		if got := purposeOf(scanFields(tc.block), tc.title, deadline); got != tc.want {
			t.Errorf("purposeOf(%q) = %q, want %q", tc.block, got, tc.want)
		}
	}
}

func TestContactsIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []liaisond.Contact
	}{
		{"Daniel Kim <daniel.kim@vendor.example>, Sofia Ricci <sofia.ricci@operator.example>",
			[]liaisond.Contact{{Name: "Daniel Kim", Email: "daniel.kim@vendor.example"}, {Name: "Sofia Ricci", Email: "sofia.ricci@operator.example"}}},
		{"3GPP Liaisons Coordinator, mailto:3GPPLiaison@etsi.org",
			[]liaisond.Contact{{Name: "3GPP Liaisons Coordinator", Email: "3GPPLiaison@etsi.org"}}},
		{"Taro Ishikawa                  Tel: +81 3 5555 0142\nCarrier Example Corp.          E-mail: t.ishikawa@carrier.example\nJapan",
			[]liaisond.Contact{{Name: "Taro Ishikawa", Email: "t.ishikawa@carrier.example"}}},
		{"\nName:               Mateus Oliveira\nTel. Number:        +55\nE-mail Address:     mateus.oliveira@vendor.example",
			[]liaisond.Contact{{Name: "Mateus Oliveira", Email: "mateus.oliveira@vendor.example"}}},
		{"a.b@x.example (Anna Berg)", []liaisond.Contact{{Name: "Anna Berg", Email: "a.b@x.example"}}},
		{"none", nil},
	} {
		got := contactsIn(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("contactsIn(%q) = %+v, want %+v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("contactsIn(%q)[%d] = %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

func TestSafeFilename(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"../../etc/passwd", "passwd"},
		{`..\..\Windows\win.ini`, "win.ini"},
		{"/etc/cron.d/x", "x"},
		{".hidden", "hidden"},
		{"a\x00b.pdf", "ab.pdf"},
		{"T25-SG15-LS142!!PDF-E.pdf", "T25-SG15-LS142!!PDF-E.pdf"},
		{"..", ""},
	} {
		if got := SafeFilename(tc.in); got != tc.want {
			t.Errorf("SafeFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOwnMessageID(t *testing.T) {
	opts := Options{OwnDomains: []string{"example.org"}}
	for id, want := range map[string]bool{
		"75d8ff614ca009779c34f322b66cfaff@example.org":           true,
		"c-aed6uaaaaaaqc22zxrf6xac4uvakpq23zxhwz5m5@example.org": true,
		"reply-1795859019@example.org":                           false, // a coordinator on our domain
		"75d8ff614ca009779c34f322b66cfaff@other.example":         false,
	} {
		if got := ownDomain(id, opts); got != want {
			t.Errorf("ownDomain(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestUnflow(t *testing.T) {
	for _, tc := range []struct {
		in    string
		delsp bool
		want  string
	}{
		{"Title: LS on the \nRAW framework\nnext", false, "Title: LS on the RAW framework\nnext"},
		{"Title: LS on the\u0020\nRAW", true, "Title: LS on theRAW"},
		{" From stuffed\n", false, "From stuffed\n"},
		{"> quoted \n> more\nnew", false, "> quoted more\nnew"},
		{"soft \n> quoted", false, "soft \n> quoted"},
		{"-- \nsig", false, "-- \nsig"},
	} {
		if got := unflow(tc.in, tc.delsp); got != tc.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", tc.in, tc.delsp, got, tc.want)
		}
	}
}

func TestRFC2231Value(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`attachment; filename*=iso-8859-1''R%E9sum%E9.pdf`, "Résumé.pdf"},
		{`attachment; filename*=UTF-8''%E2%80%9CLS%E2%80%9D.pdf`, "“LS”.pdf"},
		{`attachment; filename*0*=iso-8859-1''Gr%FC; filename*1="sse.doc"`, "Grüsse.doc"},
		{`attachment; filename="plain.pdf"`, ""},
	} {
		if got := rfc2231Value(tc.raw, "filename"); got != tc.want {
			t.Errorf("rfc2231Value(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestAckOnReceipt: only an authenticated sender of a configured SDO domain, read from real
// headers, may be acknowledged before confirmation.
func TestAckOnReceipt(t *testing.T) {
	raw, err := os.ReadFile("testdata/corpus/001-itu-sg15-ccamp-otn-yang.eml")
	if err != nil {
		t.Fatal(err)
	}
	fwd, _ := os.ReadFile("testdata/corpus/019-fwd-gmail-itu-sg11-stir.eml")
	for _, tc := range []struct {
		name string
		raw  []byte
		opts Options
		want bool
	}{
		{"trusted server, SDO domain", raw, Options{TrustedAuthServID: "mail.ietf.org", SDODomains: []string{"itu.int"}}, true},
		{"no trusted server", raw, Options{SDODomains: []string{"itu.int"}}, false},
		{"other authserv-id", raw, Options{TrustedAuthServID: "mx.example", SDODomains: []string{"itu.int"}}, false},
		{"domain not listed", raw, Options{TrustedAuthServID: "mail.ietf.org", SDODomains: []string{"3gpp.org"}}, false},
		{"no list: the known SDOs' domains", raw, Options{TrustedAuthServID: "mail.ietf.org"}, true},
		{"forwarded: address from a body", fwd, Options{TrustedAuthServID: "mail.ietf.org", SDODomains: []string{"itu.int"}}, false},
	} {
		res, err := Parse(tc.raw, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ack.OnReceipt != tc.want {
			t.Errorf("%s: OnReceipt = %v, want %v", tc.name, res.Ack.OnReceipt, tc.want)
		}
	}
}

func TestStripMailto(t *testing.T) {
	for in, want := range map[string]string{
		"TSB SG2 <tsbsg2@itu.int<mailto:tsbsg2@itu.int>>": "TSB SG2 <tsbsg2@itu.int>",
		"John <mailto:john@x.org>":                        "John <mailto:john@x.org>", // a real mailto stays
		"a@b.example<mailto:a@b.example>; c@d.example":    "a@b.example; c@d.example",
	} {
		if got := stripMailto(in); got != want {
			t.Errorf("stripMailto(%q) = %q, want %q", in, got, want)
		}
	}
	if c := contactsIn("John <mailto:john@x.org>"); len(c) != 1 || c[0].Email != "john@x.org" || c[0].Name != "John" {
		t.Errorf("contactsIn with a mailto: %+v", c)
	}
}

// TestLabelAlone: a Word table saved as text puts the label and its value in paragraphs of
// their own; the value still belongs to the label.
func TestLabelAlone(t *testing.T) {
	fs := scanFields("Title:\n\nLS on X\n\nPurpose:\n\nFor information\n\nResponse contact:\n\nA B <a@b.example>\n\nKeywords:\n\nnot a field value\n")
	if fs.value("title") != "LS on X" || fs.value("purpose") != "For information" || fs.value("response") != "A B <a@b.example>" {
		t.Errorf("title %q purpose %q response %q", fs.value("title"), fs.value("purpose"), fs.value("response"))
	}
	if fs := scanFields("Title:\n\nTo: IETF X WG\n"); fs.value("title") != "" || fs.value("to") != "IETF X WG" {
		t.Errorf("a label after an empty one: title %q to %q", fs.value("title"), fs.value("to"))
	}
}

func TestCRLF(t *testing.T) {
	if got := string(crlf([]byte("A: b\rC: d\r\rbody\r"))); got != "A: b\r\nC: d\r\n\r\nbody\r\n" {
		t.Errorf("crlf = %q", got)
	}
	if got := string(crlf([]byte("A: b\r\n\r\nx"))); got != "A: b\r\n\r\nx" {
		t.Errorf("crlf changed a CRLF message: %q", got)
	}
}
