package parse

import (
	"testing"
)

// emptyL is an expected list that must be empty. (l() with no arguments is nil, which the
// shape rows read as "not checked".)
var emptyL = []string{}

// Groups spelled the ways a careful reader accepts.
var (
	grpSA2 = l("3GPP TSG SA WG2", "3GPP SA WG2", "3GPP SA2", "3GPP TSG-SA WG2", "SA WG2",
		"3GPP TSG SA2", "TSG SA WG2", "3GPP-TSGSA-SA2")
	grpSA3 = l("3GPP TSG SA WG3", "3GPP SA WG3", "3GPP SA3", "3GPP TSG-SA WG3", "SA WG3",
		"3GPP TSG SA3", "TSG SA WG3")
	grpBBF = l("BBF Technical Committee", "Broadband Forum Technical Committee", "Broadband Forum", "BBF TC")
)

// shapes2 is the second round of mail shapes (testdata/mails2), read by the conventions of
// the corpus README; see shape in shapes_test.go for the meaning of each field.
var shapes2 = []shape{
	{
		// Outlook in Spanish: "De:/Enviado el:/Para:/CC:/Asunto:", subject "RV:".
		file: "m01-outlook-es-fwd-etsi-zsm", kind: Statement,
		title: "LS on intent-driven closed-loop coordination across management domains",
		org:   l("ETSI"), group: l("ETSI ISG ZSM", "ISG ZSM"),
		to: l("NMOP"), sender: "ana.sousa@etsi.org", sName: "Ana Sousa",
		fwd: sp("carlos.ruiz@telefonica.example"), fwdName: "CARLOS RUIZ GARCIA",
		purpose: l("comment"), dl: sp("2027-03-31"), ackSend: yes,
		ackTo: l("ana.sousa@etsi.org", "luis.moreno@vodafone.example"),
		resp:  l("ana.sousa@etsi.org"), tech: l("luis.moreno@vodafone.example"),
		bodyHas: l("alignment of the ZSM closed-loop model"),
	},
	{
		// Outlook HTML-only forward; forwarded header block as <b>From:</b> ...<br>; 3GPP cover
		// sheet in the HTML with mso-tab spans.
		file: "m02-outlook-html-only-fwd-3gpp-sa3", kind: Statement,
		title: "LS on hybrid post-quantum key exchange in TLS for the 5G Service Based Architecture",
		org:   l("3GPP"), group: grpSA3,
		to: l("TLS", "LAMPS"), sender: "rui.costa@nokia.example", fwd: sp("jsalvo@vendor.example"),
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("rui.costa@nokia.example", "3GPPLiaison@etsi.org"),
		resp:  l("3GPPLiaison@etsi.org"), tech: l("rui.costa@nokia.example"),
		atts:    emptyL,
		bodyHas: l("X25519MLKEM768 code point"),
	},
	{
		// Gmail HTML-only forward (gmail_attr block) of an ITU-T LS pasted from Word.
		file: "m03-gmail-html-only-fwd-itu-sg17", kind: Statement,
		title: "LS on OAuth 2.0 token exchange for identity federation in telecom networks",
		org:   l("ITU-T"), group: l("ITU-T SG17", "ITU-T Study Group 17", "ITU-T SG 17"),
		to: l("OAUTH"), sender: "tsbsg17@itu.int", fwd: sp("rifaat.shekh.ietf@gmail.com"),
		purpose: l("action"), dl: sp("2027-04-01"), ackSend: yes,
		ackTo: l("tsbsg17@itu.int", "k.ito@ntt.example"), tech: l("k.ito@ntt.example"),
		bodyHas: l("draft-ietf-oauth-transaction-tokens"),
	},
	{
		// Gmail forward containing a Thunderbird forward containing an Outlook forward.
		file: "m04-triple-fwd-gmail-tb-outlook-bbf", kind: Statement,
		title: "Alignment of the TR-181 Device:2 data model with IETF YANG modules for home network management",
		org:   l("Broadband Forum", "BBF"), group: grpBBF,
		to: l("OPSAWG"), sender: "lylavoie@iol.unh.example", sName: "Lincoln Lavoie",
		fwd: sp("priya.raman.ietf@gmail.com"), fwdName: "Priya Raman",
		purpose: l("action"), dl: sp("2027-03-15"), ackSend: yes,
		ackTo: l("lylavoie@iol.unh.example", "dwhitaker@broadband-forum.org"),
		resp:  l("dwhitaker@broadband-forum.org"), tech: l("lylavoie@iol.unh.example"),
	},
	{
		// RFC 2047 base64 UTF-8 subject split over two encoded words; Title keeps curly quotes
		// and the en dash.
		file: "m05-rfc2047-b64-curly-title", kind: Statement,
		title: "LS on \u201cintent\u201d vs. \u201cpolicy\u201d \u2013 terminology alignment for autonomous networks",
		org:   l("ETSI"), group: l("ETSI ISG ENI", "ISG ENI"),
		to: l("NMOP"), sender: "haining.wang@ctc.example", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes, ackTo: l("haining.wang@ctc.example"),
		bodyHas: l("distinguishes \u201cintent\u201d"),
	},
	{
		// format=flowed: the Title is wrapped over three lines with soft breaks.
		file: "m06-format-flowed-wrapped-title", kind: Statement,
		title: "LS on the applicability of the DetNet architecture and the RAW framework to IEEE 802.11 " +
			"time-sensitive networking over Wi-Fi 8 (IEEE P802.11bn Ultra High Reliability)",
		org: l("IEEE"), group: l("IEEE 802.11", "IEEE 802.11 WG", "IEEE 802.11 Working Group"),
		to: l("DetNet"), sender: "r.almeida@ieee802-11.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-02-20"), ackSend: yes,
		ackTo: l("r.almeida@ieee802-11.example", "t.nowak@ieee802-11.example"),
		resp:  l("r.almeida@ieee802-11.example"), tech: l("t.nowak@ieee802-11.example"),
	},
	{
		// Old Datatracker notification (lsmt@ietf.org, "Reponse Contact:" typo).
		file: "m07-datatracker-old-reponse-typo-sa2-dmm", kind: Statement,
		title: "LS on user plane anchor relocation for edge computing",
		org:   l("3GPP"), group: grpSA2,
		to: l("DMM"), sender: "sspeiche@qti.example", fwd: none,
		purpose: l("action"), dl: sp("2026-12-15"), ackSend: no, ackTo: emptyL, dt: yes,
		resp: l("3GPPLiaison@etsi.org"), tech: l("sspeiche@qti.example"),
	},
	{
		// Mailman 3 DMARC rewrite with X-Original-From and no Reply-To.
		file: "m08-mailman3-dmarc-x-original-from-opsawg", kind: Statement,
		title: "O1 interface YANG models and IETF network inventory work",
		org:   l("O-RAN Alliance", "O-RAN"),
		group: l("O-RAN Alliance WG10", "O-RAN WG10", "O-RAN Alliance WG10 (OAM for O-RAN)"),
		to:    l("OPSAWG"), sender: "jane.roe@o-ran.example", sName: "Jane Roe", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes, ackTo: l("jane.roe@o-ran.example"),
	},
	{
		// "Reply LS" with "Response to:" whose ACTION asks something new: action.
		file: "m09-3gpp-reply-ls-new-action", kind: Statement,
		title: "Reply LS on IPv6 prefix delegation for 5G residential gateways",
		org:   l("3GPP"), group: grpSA2,
		to: l("V6OPS"), sender: "maria.lopez@ericsson.example", fwd: none,
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo: l("maria.lopez@ericsson.example", "3GPPLiaison@etsi.org"),
		resp:  l("3GPPLiaison@etsi.org"), tech: l("maria.lopez@ericsson.example"),
	},
	{
		// "Deadline: ASAP" is no date.
		file: "m10-oif-deadline-asap", kind: Statement,
		title: "800ZR optical interface parameters in the IETF optical impairment YANG models",
		org:   l("OIF"), group: l("OIF Technical Committee", "OIF TC", "OIF"),
		to: l("CCAMP"), sender: "liaison@oiforum.example", fwd: none,
		purpose: l("action"), dl: none, ackSend: yes,
		ackTo:   l("liaison@oiforum.example", "ksubramanian@optics.example"),
		problem: "deadline",
	},
	// WG discussion: "please reply by" in prose, "the liaison statement", no field block.
	{file: "m11-wg-discussion-reply-by-prose", kind: NotStatement},
	{
		// For information, yet with a Deadline field: kept.
		file: "m12-ieee8023-info-with-deadline", kind: Statement,
		title: "IEEE 802.3 liaison on the publication of IEEE Std 802.3.2-2027 (Ethernet YANG data models)",
		org:   l("IEEE"),
		group: l("IEEE 802.3", "IEEE 802.3 WG", "IEEE 802.3 Working Group", "IEEE 802.3 Ethernet Working Group"),
		to:    l("NETMOD"), sender: "d.law@ieee802-3.example", sName: "Law, David", fwd: none,
		purpose: l("info"), dl: sp("2027-02-28"), ackSend: yes,
		ackTo: l("d.law@ieee802-3.example", "l.yseboodt@ieee802-3.example"),
	},
	{
		// "IETF OPSAWG, IETF NETCONF WG and IRTF NMRG": the IRTF group is not an IETF group.
		file: "m13-to-line-irtf-excluded-etsi-nfv", kind: Statement,
		title: "LS on YANG-based management of cloud-native network functions",
		org:   l("ETSI"), group: l("ETSI ISG NFV", "ISG NFV"),
		to: l("OPSAWG", "NETCONF"), sender: "nfvsupport@etsi.org", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-01"), ackSend: yes,
		ackTo: l("nfvsupport@etsi.org", "pierre.lefort@orange.example"),
	},
	{
		// RFC 2231 iso-8859-1 filename and an RFC 2047 Latin-1 sender name.
		file: "m14-rfc2231-latin1-filename-etsi-esi", kind: Statement,
		title: "LS on qualified certificate profiles with ML-DSA",
		org:   l("ETSI"), group: l("ETSI TC ESI", "TC ESI", "ETSI ESI"),
		to: l("LAMPS"), sender: "sebastien.martin@ants.example", sName: "Sébastien Martin", fwd: none,
		purpose: l("action"), dl: sp("2027-03-26"), ackSend: yes, ackTo: l("sebastien.martin@ants.example"),
		atts: l("ESI(27)000021_LS_to_IETF_LAMPS.pdf", "R\u00e9sum\u00e9.pdf"),
	},
	{
		// Forward as attachment whose inner statement is HTML-only with the fields in a table.
		file: "m15-rfc822-html-only-table-mef", kind: Statement,
		title: "MEF 3.0 SD-WAN service attributes and the IETF BGP-signalled SD-WAN overlay",
		org:   l("MEF"), group: l("MEF Technical Committee", "MEF TC", "MEF"),
		to: l("BESS"), sender: "liaison@mef.net", fwd: sp("matthew.bocci@nokia.example"),
		purpose: l("comment"), dl: sp("2027-03-19"), ackSend: yes,
		ackTo: l("liaison@mef.net", "rsantos@carrier.example"),
		resp:  l("liaison@mef.net"), tech: l("rsantos@carrier.example"),
		atts:    emptyL,
		bodyHas: l("draft-ietf-bess-bgp-sdwan-usage"),
	},
	{
		// "[EXTERNAL] RE: FW:" whose body is only an Outlook forward block (base64 body).
		file: "m16-external-re-fw-outlook-itu-sg11", kind: Statement,
		title: "LS on calling number verification for international calls",
		org:   l("ITU-T"), group: l("ITU-T SG11", "ITU-T Study Group 11", "ITU-T SG 11"),
		to: l("STIR"), sender: "tsbsg11@itu.int", fwd: sp("chris.wendt@carrier.example"),
		fwdName: "Wendt, Chris",
		purpose: l("action"), dl: sp("2027-04-30"), ackSend: yes,
		ackTo: l("tsbsg11@itu.int", "o.kovalenko@operator.example"), tech: l("o.kovalenko@operator.example"),
	},
	{
		// A part with Content-Transfer-Encoding: x-uuencode beside a normal text part.
		file: "m17-x-uuencode-part-etsi-smartm2m", kind: Statement,
		title: "LS on alignment of SAREF with the Semantic Definition Format (SDF)",
		org:   l("ETSI"), group: l("ETSI TC SmartM2M", "TC SmartM2M", "ETSI SmartM2M"),
		to: l("ASDF"), sender: "m.vidal@smartm2m.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-04-02"), ackSend: yes, ackTo: l("m.vidal@smartm2m.example"),
		atts: l("SmartM2M(27)033_LS_to_IETF_ASDF.pdf"),
	},
	{
		// X-Spam-Status: No (and X-Spam-Flag: NO) on a real statement.
		file: "m18-spam-status-no-iso-sc6", kind: Statement,
		title: "Liaison statement from ISO/IEC JTC 1/SC 6 to IETF on future network identifiers (ISO/IEC 21558-4)",
		org:   l("ISO/IEC JTC 1", "ISO/IEC", "ISO/IEC JTC1"),
		group: l("ISO/IEC JTC 1/SC 6", "ISO/IEC JTC1/SC6", "JTC 1/SC 6", "SC 6", "ISO/IEC JTC 1 SC 6"),
		to:    l("INTAREA"), sender: "sc6-secretariat@kats.example", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-20"), ackSend: yes,
		ackTo: l("sc6-secretariat@kats.example", "jh.park@etri.example"), tech: l("jh.park@etri.example"),
	},
	{
		// CCSA "To: IETF" only (base64 UTF-8 body).
		file: "m19-ccsa-to-ietf-only", kind: Statement,
		title: "Progress of CCSA TC5 work on 5G-Advanced network slicing in the transport network",
		org:   l("CCSA"), group: l("CCSA TC5", "CCSA TC5 (Wireless Communication)"),
		to: l("IETF|IESG"), sender: "wangfang@ccsa.org.cn", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("wangfang@ccsa.org.cn", "chenjun@caict.example"),
	},
	{
		// "Response Contact(s): a; b" and "Technical Contact(s): c" with bare addresses.
		file: "m20-oran-wg11-semicolon-contacts", kind: Statement,
		title: "LS on mutual TLS 1.3 for the O-RAN fronthaul M-plane",
		org:   l("O-RAN Alliance", "O-RAN"),
		group: l("O-RAN Alliance WG11", "O-RAN WG11", "O-RAN Alliance WG11 (Security Work Group)"),
		to:    l("TLS"), sender: "tomas.novak@orange.example", fwd: none,
		purpose: l("action"), dl: sp("2027-03-05"), ackSend: yes,
		ackTo: l("tomas.novak@orange.example", "secretariat@o-ran.example", "a.kowalski@vendor-ran.example"),
		resp:  l("tomas.novak@orange.example", "secretariat@o-ran.example"),
		tech:  l("a.kowalski@vendor-ran.example"),
	},
	{
		// "Re: question on ..." whose newest text is a full new LS; the quoted older LS
		// (For action, TSVWG, 2026-11-30) is not part of it.
		file: "m21-reply-to-chair-question-new-ls-above-quote", kind: Statement,
		title: "IEEE 802.1 response on the use of P802.1CBdb stream identification for DetNet flows",
		org:   l("IEEE"), group: l("IEEE 802.1", "IEEE 802.1 WG", "IEEE 802.1 Working Group"),
		to: l("DetNet"), sender: "g.paulsen@ieee802-1.example", fwd: none,
		purpose: l("info"), dl: none, ackSend: yes,
		ackTo: l("g.paulsen@ieee802-1.example", "i.moreau@ieee802-1.example"),
		resp:  l("g.paulsen@ieee802-1.example"), tech: l("i.moreau@ieee802-1.example"),
	},
	// Gmail bounce as plain text (no multipart/report), normal Return-Path, quoting our ack.
	{file: "m22-bounce-googlemail-no-report", kind: NotStatement},
	// Outlook read receipt (multipart/report; report-type=disposition-notification).
	{file: "m23-read-receipt-mdn", kind: NotStatement},
	{
		// ITU-T per-recipient lines: "For action to: CCAMP, PCE", "For information to: TEAS".
		file: "m24-itu-sg15-per-recipient-action-info", kind: Statement,
		title: "LS on path computation for OTN and WDM with flexible grid beyond 400G",
		org:   l("ITU-T"), group: l("ITU-T SG15", "ITU-T Study Group 15", "ITU-T SG 15"),
		to: l("CCAMP", "PCE", "TEAS"), sender: "tsbsg15@itu.int", fwd: none,
		purpose: l("action"), dl: sp("2027-04-09"), ackSend: yes,
		ackTo: l("tsbsg15@itu.int", "hui.ding@chinamobile.example"), tech: l("hui.ding@chinamobile.example"),
	},
	{
		// "Deadline: 2027-03-15 (two weeks before our AC meeting)".
		file: "m25-w3c-deadline-parenthetical", kind: Statement,
		title: "Liaison on alignment between W3C Verifiable Credentials Data Model 2.1 and SD-JWT-based Verifiable Credentials",
		org:   l("W3C"),
		group: l("W3C Verifiable Credentials Working Group", "W3C Verifiable Credentials WG", "W3C VC WG",
			"Verifiable Credentials Working Group"),
		to: l("SPICE"), sender: "ada@w3.org", fwd: none,
		purpose: l("comment"), dl: sp("2027-03-15"), ackSend: yes,
		ackTo: l("ada@w3.org", "msorensen@credentials.example"),
	},
}

// TestShapes2 parses the second round of mail shapes and compares what matters for each
// with what a careful coordinator would record.
func TestShapes2(t *testing.T) { runShapes(t, "mails2", shapes2) }
