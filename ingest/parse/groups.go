package parse

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

var (
	ituSG       = regexp.MustCompile(`(?i)(?:\bStudy[\s-]*Group|\bSG|\bCommission\s+d'[ée]tudes|\bComisi[óo]n\s+de\s+Estudios?|\bCE)[\s-]*(\d{1,2})\b`)
	ituWP       = regexp.MustCompile(`(?i)\b(?:Working\s*Party|WP)\s*(\d[A-Z]?)\b`)
	tsag        = regexp.MustCompile(`(?i)\bTSAG\b`)
	ituQuestion = regexp.MustCompile(`(?i)\bQ(?:uestion)?\s*\d{1,2}/(\d{1,2})\b`)
	tgppWG      = regexp.MustCompile(`(?i)\b(?:TSG[- ]?)?(SA|CT|RAN|GERAN)[- ]?(?:WG|Working Group)?[- ]?(\d)\b`)
	tgppTSG     = regexp.MustCompile(`(?i)\bTSG[- ]?(SA|CT|RAN|GERAN)\b`)
	ieee802     = regexp.MustCompile(`(?i)\bIEEE\s*(?:P)?(802(?:\.\d+)?)\b`)
	trailingAcr = regexp.MustCompile(`^(.*\S)\s*\(([A-Z][A-Z0-9-]{1,9})\)$`)
	wgSuffix    = regexp.MustCompile(`(?i)\s+(?:WGs?|working groups?|work groups?)$`)
	groupSep    = regexp.MustCompile(`\s*(?:[,;]|\band\b|&)\s*`)
	groupNoise  = regexp.MustCompile(`(?i)^(?:the\s+)`)
	descParen   = regexp.MustCompile(`\s*\([^()]*\s[^()]*\)\s*$`)
	ietfRole    = regexp.MustCompile(`(?i)^(?:chair|chairs|secretariat|secretary|executive director|liaison manager)$`)
	// groupIdent is a group's number within its organisation: WG10, SG 13, TC5, WP 4B.
	groupIdent = regexp.MustCompile(`\b(?:WG|SG|TG|TC|ISG|WP|SC|Q)\s?-?\d+[A-Z]?\b`)
)

// normalizeFromGroup turns a sending group as written into the short form records use:
// "ITU-T Study Group 15" → "ITU-T SG15", "SA WG2" of 3GPP → "3GPP TSG SA WG2",
// "IEEE 802.11 Working Group" → "IEEE 802.11", "ATIS Packet ... Committee (PTSC)" → "ATIS PTSC".
func normalizeFromGroup(g, orgName string) string {
	g = collapseSpace(groupNoise.ReplaceAllString(collapseSpace(g), ""))
	g = strings.TrimRight(g, ".,;")
	if g == "" {
		return ""
	}
	switch orgName {
	case "ITU-T", "ITU-R", "ITU-D":
		if tsag.MatchString(g) {
			return "ITU-T TSAG"
		}
		if m := ituWP.FindStringSubmatch(g); m != nil && orgName == "ITU-R" {
			return "ITU-R WP" + strings.ToUpper(m[1])
		}
		if m := ituSG.FindStringSubmatch(g); m != nil {
			return orgName + " SG" + strings.TrimLeft(m[1], "0")
		}
		if m := ituQuestion.FindStringSubmatch(g); m != nil {
			// "Q11/17 Rapporteur group meeting (...)": a Question of study group 17.
			return orgName + " SG" + strings.TrimLeft(m[1], "0")
		}
	case "3GPP":
		if m := tgppWG.FindStringSubmatch(g); m != nil {
			return fmt.Sprintf("3GPP TSG %s WG%s", strings.ToUpper(m[1]), m[2])
		}
		if m := tgppTSG.FindStringSubmatch(g); m != nil {
			return "3GPP TSG " + strings.ToUpper(m[1])
		}
	case "IEEE":
		if m := ieee802.FindStringSubmatch(g); m != nil {
			return "IEEE " + m[1]
		}
	}
	if m := trailingAcr.FindStringSubmatch(g); m != nil && orgName != "" {
		// "O-RAN Alliance WG10 (OAM)": the group is named already, the parenthesis
		// describes it. "ATIS Packet ... Committee (PTSC)": the acronym is the short form,
		// after the organisation named. "Unicode Technical Committee (UTC)", the
		// organisation not named: the name as written.
		name := strings.TrimSpace(m[1])
		switch {
		case groupIdent.MatchString(name):
			return normalizeFromGroup(name, orgName)
		case strings.HasPrefix(strings.ToUpper(name), strings.ToUpper(orgName)+" "):
			return orgName + " " + m[2]
		default:
			return name
		}
	}
	// "DVB Project, TM-IPI (Technical Module - IP Infrastructure)": the group's short name
	// after the organisation's, without its spelt-out description.
	if i := strings.Index(g, ", "); i > 0 && orgName != "" && strings.HasPrefix(strings.ToUpper(g[:i]), strings.ToUpper(orgName)) {
		if rest := strings.TrimSpace(descParen.ReplaceAllString(g[i+2:], "")); rest != "" && !strings.ContainsAny(rest, " \t") {
			return orgName + " " + rest
		}
	}
	if orgName != "" && orgByText(g) == "" && !strings.HasPrefix(strings.ToUpper(g), strings.ToUpper(orgName)) {
		// "Technical Committee" from a BBF mail: name the body.
		return orgName + " " + g
	}
	return g
}

// splitGroups splits an addressee line into its entries: "IETF NETMOD WG, IETF OPSAWG and
// IAB" → three.
func splitGroups(v string) []string {
	v = collapseSpace(v)
	var out []string
	for _, p := range groupSep.Split(v, -1) {
		p = strings.TrimSpace(strings.Trim(p, ".:"))
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

var (
	ietfPrefix = regexp.MustCompile(`(?i)^(?:the\s+)?IETF\s*`)
	areaSuffix = regexp.MustCompile(`(?i)\s+area$`)
	bareWG     = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]{1,14})\s+(?:WGs?|[Ww]orking [Gg]roups?)$`)
	// "IETF (sipcore)", and "the CoRE working group of the IETF".
	ietfParenWG  = regexp.MustCompile(`(?i)^(?:the\s+)?IETF\s*\(\s*([A-Za-z][A-Za-z0-9-]{1,14})\s*\)$`)
	wgOfIETF     = regexp.MustCompile(`(?i)^(?:the\s+)?([A-Za-z][A-Za-z0-9-]{1,14})\s+(?:WG|working group)\s+of\s+the\s+IETF$`)
	groupParen   = regexp.MustCompile(`\s*\([^)]*\)\s*`)
	parenAcronym = regexp.MustCompile(`(?i)(?:working group|wg)\s*\(([A-Z][A-Z0-9-]{1,11})\)`)
)

// ietfGroup returns the IETF body an addressee entry names ("IETF CCAMP WG", "IETF OPS
// Area", "IAB", "IESG"), or "" when the entry is not an IETF body (another SDO, the IRTF).
func ietfGroup(entry string) string {
	// "IETF Benchmarking Methodology Working Group (BMWG)": the acronym names the group.
	if m := parenAcronym.FindStringSubmatch(entry); m != nil && ietfPrefix.MatchString(strings.TrimSpace(entry)) {
		return "IETF " + m[1] + " WG"
	}
	for _, re := range []*regexp.Regexp{ietfParenWG, wgOfIETF} {
		if m := re.FindStringSubmatch(collapseSpace(entry)); m != nil && orgByText(m[1]) == "" {
			return "IETF " + strings.ToUpper(m[1]) + " WG"
		}
	}
	e := collapseSpace(groupNoise.ReplaceAllString(collapseSpace(groupParen.ReplaceAllString(entry, " ")), ""))
	low := strings.ToLower(e)
	switch {
	case low == "iab" || strings.Contains(low, "internet architecture board") || strings.HasPrefix(low, "iab "):
		return "IAB"
	case low == "iesg" || strings.Contains(low, "internet engineering steering group") || strings.HasPrefix(low, "iesg "):
		return "IESG"
	case strings.Contains(low, "irtf"):
		return ""
	}
	var name string
	if ietfPrefix.MatchString(e) {
		name = strings.TrimSpace(ietfPrefix.ReplaceAllString(e, ""))
		if name == "" {
			return "IETF"
		}
	} else if m := bareWG.FindStringSubmatch(e); m != nil && orgByText(e) == "" {
		name = m[1]
	} else {
		return ""
	}
	name = strings.TrimSpace(wgSuffix.ReplaceAllString(name, ""))
	if name == "" || orgByText(name) != "" && orgByText(name) != "IETF" || ietfRole.MatchString(name) {
		return "" // "IETF Chair" is a person, not a group
	}
	if areaSuffix.MatchString(name) {
		return "IETF " + name
	}
	if strings.Contains(name, " ") {
		return "IETF " + name
	}
	return "IETF " + name + " WG"
}

// areaName matches the IETF areas by their full names, some of which hold an "and" that
// would split them: "Operations and Management Area" is the OPS Area.
var areaName = regexp.MustCompile(`(?i)\b(?:the\s+)?(?:IETF\s+)?(Applications\s+and\s+Real[\s-]*Time|Operations\s+and\s+Management|Web\s+and\s+Internet\s+Transport|Routing|Security|Internet|Transport(?:\s+Services)?|General)\s+Area\b`)

var areaAcronyms = map[string]string{
	"applications and real-time": "ART", "applications and real time": "ART", "applications and realtime": "ART",
	"operations and management": "OPS", "web and internet transport": "WIT", "routing": "RTG",
	"security": "SEC", "internet": "INT", "transport": "TSV", "transport services": "TSV", "general": "GEN",
}

// shortAreas writes the IETF areas named in full by their acronyms.
func shortAreas(v string) string {
	return areaName.ReplaceAllStringFunc(v, func(m string) string {
		name := strings.ToLower(collapseSpace(areaName.FindStringSubmatch(m)[1]))
		if acr, ok := areaAcronyms[name]; ok {
			return "IETF " + acr + " Area"
		}
		return m
	})
}

// ietfGroups keeps the IETF bodies named in addressee lines, without repeats.
func ietfGroups(values ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, e := range splitGroups(shortAreas(parenAcronym.ReplaceAllString(v, "WG ($1)"))) {
			g := ietfGroup(e)
			if g != "" && !seen[strings.ToLower(g)] {
				seen[strings.ToLower(g)] = true
				out = append(out, g)
			}
		}
	}
	return out
}

var ietfListAddr = regexp.MustCompile(`(?i)^([a-z0-9][a-z0-9.-]*?)(?:-chairs|-ads|-ad|-chair)?@(ietf|iab|irtf)\.org$`)

// groupsFromAddresses guesses the addressed IETF bodies from mail addresses
// ("ccamp-chairs@ietf.org" → "IETF CCAMP WG"), for statements whose block names none.
func groupsFromAddresses(addrs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range addrs {
		m := ietfListAddr.FindStringSubmatch(strings.TrimSpace(a))
		if m == nil {
			continue
		}
		name := strings.ToLower(m[1])
		var g string
		switch {
		case m[2] == "iab" || name == "iab":
			g = "IAB"
		case name == "iesg":
			g = "IESG"
		case m[2] == "irtf", name == "statements", name == "ls-intake", name == "liaison", name == "ietf",
			strings.HasPrefix(name, "noreply"), strings.HasSuffix(name, "-bounces"):
			continue
		case strings.HasSuffix(strings.ToLower(a), "-ads@ietf.org"):
			g = "IETF " + strings.ToUpper(name) + " Area"
		default:
			g = "IETF " + strings.ToUpper(name) + " WG"
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

var ituSectorMark = regexp.MustCompile(`(?i)\bITU-([TRD])\b|\b(Radiocommunication|Telecommunication Development|Telecommunication Standardi[sz]ation)\b`)

// ituSector names the ITU sector a statement from itu.int comes from: the first one the
// sender's name or else the text names, or def.
func ituSector(senderName, text, def string) string {
	for _, s := range []string{senderName, text} {
		m := ituSectorMark.FindStringSubmatch(s)
		switch {
		case m == nil:
			continue
		case m[1] != "":
			return "ITU-" + strings.ToUpper(m[1])
		case strings.HasPrefix(strings.ToLower(m[2]), "radio"):
			return "ITU-R"
		case strings.HasSuffix(strings.ToLower(m[2]), "development"):
			return "ITU-D"
		default:
			return "ITU-T"
		}
	}
	return def
}

// ituGroupHead bounds how far into a statement its sending group is looked for.
const ituGroupHead = 3000

// ituGroupIn finds the sending group in the head of a statement that has no From line:
// ITU-R's working parties, or a study group.
func ituGroupIn(text, sector string) string {
	if len(text) > ituGroupHead {
		text = text[:ituGroupHead]
	}
	if sector == "ITU-R" {
		if m := ituWP.FindString(text); m != "" {
			return sector + " " + m
		}
	}
	if m := ituSG.FindString(text); m != "" {
		return sector + " " + m
	}
	return ""
}

// orgGroupIn finds a group of org named in a statement's head ("ETSI TC SmartM2M", "ETSI
// ISG ZSM"), for mail that has no From line.
func orgGroupIn(text, org string) string {
	if len(text) > ituGroupHead {
		text = text[:ituGroupHead]
	}
	for i := 0; ; {
		j := strings.Index(text[i:], org)
		if j < 0 {
			return ""
		}
		at := i + j
		i = at + len(org)
		if at > 0 && isWordByte(text[at-1]) {
			continue // inside another word
		}
		if m := groupAfterOrg.FindStringSubmatch(text[i:]); m != nil {
			return normalizeFromGroup(org+" "+m[1], org)
		}
	}
}

// groupAfterOrg is a group's designation right after its organisation's name.
var groupAfterOrg = regexp.MustCompile(`^\s+((?:TC|ISG|EP|WG|SG|TG|SC)\s*[A-Za-z0-9][A-Za-z0-9-]*)`)

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// groupWord ends an organisation's name in a group line it does not know: "LoRa Alliance
// Technical Committee", "Thread Group, Inc. – Technical Working Group".
var groupWord = regexp.MustCompile(`(?i)\s*(?:,|–|—|\s-\s|\b(?:Technical\s+(?:Working\s+Group|Committee|Task\s+Group|Module)|Working\s+Group|Work\s+Group|Committee|Task\s+Force|Expert\s+Group|WG|TC)\b)`)

// orgByName names an organisation the list does not know from the group line that names
// it: the words before its group, without "Inc." or a trademark sign.
func orgByName(group string) string {
	g := collapseSpace(strings.NewReplacer("®", "", "(R)", "", "™", "").Replace(group))
	if loc := groupWord.FindStringIndex(g); loc != nil {
		g = g[:loc[0]]
	}
	g = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(g), "Inc."), ","))
	if g == "" || len(g) > 40 || len(strings.Fields(g)) > 4 || !unicode.IsUpper([]rune(g)[0]) {
		return ""
	}
	return g
}
