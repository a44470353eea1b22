package parse

import (
	"regexp"
	"strings"
)

// org is a standards body that sends statements to the IETF.
type org struct {
	name    string         // the short canonical name used in records
	re      *regexp.Regexp // how its name appears in a group or sender line
	domains []string       // its mail domains
}

// orgs are tried in order: more specific names first (3GPP before ETSI, whose staff send
// 3GPP's statements; ITU-R before ITU-T).
var orgs = []org{
	{"3GPP", regexp.MustCompile(`(?i)\b3GPP\b|\bTSG[- ]?(?:SA|CT|RAN|GERAN)\b`), []string{"3gpp.org"}},
	{"ITU-R", regexp.MustCompile(`(?i)\bITU-R\b|Radiocommunication Sector`), nil},
	{"ITU-D", regexp.MustCompile(`(?i)\bITU-D\b|Telecommunication Development Sector`), nil},
	{"ITU-T", regexp.MustCompile(`(?i)\bITU-T\b|\bITU\b|\bUIT-T\b|\bTSAG\b|Telecommunication Standardi[sz]ation Sector`), []string{"itu.int"}},
	{"IEEE", regexp.MustCompile(`(?i)\bIEEE\b`), []string{"ieee.org"}},
	{"Broadband Forum", regexp.MustCompile(`(?i)\bBroadband[- ]Forum\b|\bBBF\b`), []string{"broadband-forum.org"}},
	{"O-RAN Alliance", regexp.MustCompile(`(?i)\bO-RAN\b`), []string{"o-ran.org"}},
	{"oneM2M", regexp.MustCompile(`(?i)\boneM2M\b`), []string{"onem2m.org"}},
	{"ISO/IEC JTC 1", regexp.MustCompile(`(?i)\bISO/IEC\b|\bJTC\s*1\b`), []string{"iso.org", "jtc1.org"}},
	{"ETSI", regexp.MustCompile(`(?i)\bETSI\b`), []string{"etsi.org"}},
	{"MEF", regexp.MustCompile(`(?i)\bMEF\b|\bMEF Forum\b`), []string{"mef.net"}},
	{"OIF", regexp.MustCompile(`(?i)\bOIF\b|Optical Internetworking Forum`), []string{"oiforum.com"}},
	{"ATIS", regexp.MustCompile(`(?i)\bATIS\b|Alliance for Telecommunications Industry Solutions`), []string{"atis.org"}},
	{"CCSA", regexp.MustCompile(`(?i)\bCCSA\b|China Communications Standards Association`), []string{"ccsa.org.cn"}},
	{"W3C", regexp.MustCompile(`(?i)\bW3C\b|World Wide Web Consortium`), []string{"w3.org"}},
	{"GSMA", regexp.MustCompile(`(?i)\bGSMA\b`), []string{"gsma.com"}},
	{"Unicode Consortium", regexp.MustCompile(`(?i)\bUnicode\b`), []string{"unicode.org"}},
	{"TM Forum", regexp.MustCompile(`(?i)\bTM ?Forum\b`), []string{"tmforum.org"}},
	{"ONF", regexp.MustCompile(`(?i)\bONF\b|Open Networking Foundation`), []string{"opennetworking.org"}},
	{"Wi-Fi Alliance", regexp.MustCompile(`(?i)\bWi-?Fi Alliance\b`), []string{"wi-fi.org"}},
	{"FIDO Alliance", regexp.MustCompile(`(?i)\bFIDO Alliance\b`), []string{"fidoalliance.org"}},
	{"IEC", regexp.MustCompile(`\bIEC\b|International Electrotechnical Commission`), []string{"iec.ch"}},
	{"ISO", regexp.MustCompile(`\bISO\b|International Organization for Standardization`), []string{"iso.org"}},
	{"TTC", regexp.MustCompile(`(?i)\bTTC\b|Telecommunication Technology Committee`), []string{"ttc.or.jp"}},
	{"ARIB", regexp.MustCompile(`(?i)\bARIB\b`), []string{"arib.or.jp"}},
	{"TIA", regexp.MustCompile(`\bTIA\b|Telecommunications Industry Association`), []string{"tiaonline.org"}},
	{"TSDSI", regexp.MustCompile(`(?i)\bTSDSI\b`), []string{"tsdsi.in"}},
	{"TTA", regexp.MustCompile(`\bTTA\b`), []string{"tta.or.kr"}},
	{"CEN/CENELEC", regexp.MustCompile(`(?i)\bCEN(?:ELEC)?\b`), []string{"cencenelec.eu"}},
	{"Ecma International", regexp.MustCompile(`(?i)\bEcma\b`), []string{"ecma-international.org"}},
	{"ICANN", regexp.MustCompile(`\bICANN\b`), []string{"icann.org"}},
	{"CableLabs", regexp.MustCompile(`(?i)\bCableLabs\b`), []string{"cablelabs.com"}},
	{"NGMN", regexp.MustCompile(`\bNGMN\b`), []string{"ngmn.org"}},
	{"GlobalPlatform", regexp.MustCompile(`(?i)\bGlobalPlatform\b`), []string{"globalplatform.org"}},
	{"IETF", regexp.MustCompile(`(?i)\bIETF\b|\bIAB\b|\bIESG\b|\bIRTF\b|Internet Architecture Board`), []string{"ietf.org", "iab.org", "irtf.org"}},
}

// orgByText names the organisation a group line belongs to, or "": the one named first
// ("IEEE 802.3 ... and ITU-T Study Group 15" is IEEE's joint statement), the more specific
// one where two names start at the same place (ITU-R before ITU-T).
func orgByText(s string) string {
	best, at := "", len(s)+1
	for _, o := range orgs {
		if loc := o.re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = o.name, loc[0]
			if at == 0 {
				break // nothing starts earlier
			}
		}
	}
	return best
}

// orgByDomain names the organisation a mail domain belongs to, or "".
func orgByDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	domain := strings.ToLower(addr[at+1:])
	for _, o := range orgs {
		for _, d := range o.domains {
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return o.name
			}
		}
	}
	return ""
}

// ietfSide reports whether an address belongs to the IETF, IAB or IRTF: never acknowledged.
func ietfSide(addr string) bool {
	return orgByDomain(addr) == "IETF" || strings.HasSuffix(strings.ToLower(addr), "@iesg.org") ||
		strings.HasSuffix(strings.ToLower(addr), "@rfc-editor.org") || strings.HasSuffix(strings.ToLower(addr), "@iana.org")
}

var leadingAcronym = regexp.MustCompile(`^([A-Z][A-Z0-9&/-]{1,11})\b`)

// orgByAcronym names an organisation not in the list by the acronym its group line starts
// with ("XYZ Working Group 3" → "XYZ").
func orgByAcronym(group string) string {
	if m := leadingAcronym.FindStringSubmatch(strings.TrimSpace(group)); m != nil {
		return strings.TrimRight(m[1], "-/&")
	}
	return ""
}
